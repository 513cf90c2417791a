// The submit form of a task template, from the template's `form` (FormField: name, label,
// multiple, required, source, default, options): initial values from the defaults, the checks
// before sending, and the `variables` object to send.
import type { FormField } from '@/api/contract'

export type Values = Record<string, string | string[]>

export function initialValues(form: readonly FormField[]): Values {
  const out: Values = {}
  for (const f of form) {
    const d = f.default ?? []
    out[f.name] = f.multiple ? [...d] : (d[0] ?? '')
  }
  return out
}

/** Names of required variables that have no value. */
export function missingRequired(form: readonly FormField[], values: Values): string[] {
  return form
    .filter((f) => f.required)
    .filter((f) => {
      const x = values[f.name]
      return x === undefined || (Array.isArray(x) ? x.length === 0 : String(x).trim() === '')
    })
    .map((f) => f.name)
}

/** The `variables` object to send: blanks left out (the server applies defaults). */
export function variablesPayload(form: readonly FormField[], values: Values): Values {
  const out: Values = {}
  for (const f of form) {
    const x = values[f.name]
    if (x === undefined) continue
    if (Array.isArray(x)) {
      if (x.length) out[f.name] = f.multiple ? [...x] : x[0]!
    } else if (x !== '') out[f.name] = f.multiple ? [x] : x
  }
  return out
}
