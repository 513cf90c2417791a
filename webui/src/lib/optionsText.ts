// The options editor of a variable: one value per line, or a JSON list as external scripts send
// it (["host1","host2"] or [{"value":"h1","label":"host 1"}]).
export interface OptionInput {
  value: string
  label?: string
}

export type ParsedOptions = { ok: true; options: OptionInput[] } | { ok: false; error: 'json' | 'duplicate' | 'empty'; detail?: string }

export function parseOptionsText(text: string): ParsedOptions {
  const trimmed = text.trim()
  let out: OptionInput[] = []
  if (trimmed.startsWith('[')) {
    let data: unknown
    try {
      data = JSON.parse(trimmed)
    } catch (e) {
      return { ok: false, error: 'json', detail: (e as Error).message }
    }
    if (!Array.isArray(data)) return { ok: false, error: 'json' }
    for (const x of data) {
      if (typeof x === 'string' || typeof x === 'number') out.push({ value: String(x) })
      else if (x && typeof x === 'object' && typeof (x as OptionInput).value === 'string') {
        const o = x as OptionInput
        out.push(o.label ? { value: o.value, label: String(o.label) } : { value: o.value })
      } else return { ok: false, error: 'json' }
    }
  } else {
    out = trimmed
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((value) => ({ value }))
  }
  const seen = new Set<string>()
  for (const o of out) {
    if (o.value === '') return { ok: false, error: 'empty' }
    if (seen.has(o.value)) return { ok: false, error: 'duplicate', detail: o.value }
    seen.add(o.value)
  }
  return { ok: true, options: out }
}

/** The editor text for a list: plain lines when no option has its own label, else JSON. */
export function optionsToText(options: readonly { value: string; label?: string }[]): string {
  if (options.every((o) => !o.label || o.label === o.value)) return options.map((o) => o.value).join('\n')
  return JSON.stringify(
    options.map((o) => (o.label && o.label !== o.value ? { value: o.value, label: o.label } : o.value)),
    null,
    1,
  )
}
