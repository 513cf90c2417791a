// Forms built from a workflow node's `fields` ([{key, label, type, required, options}]): the
// initial model, validation before sending (the same checks the server makes, so the person sees
// them next to the field at once), and the payload in the types the server expects.
import type { FieldValue, FieldValues } from '@/api/types'

/** A field as a workflow node defines it (the API's WorkflowField). */
export interface FieldDef {
  key: string
  label?: string
  type: string
  required?: boolean
  options?: string[]
}

export type FieldModel = Record<string, unknown>

/** What Element Plus control a field type uses. */
export function controlOf(type: string): 'input' | 'textarea' | 'number' | 'select' | 'multiselect' | 'date' | 'datetime' | 'datetime_range' | 'user' {
  switch (type) {
    case 'text':
      return 'textarea'
    case 'number':
      return 'number'
    case 'select':
      return 'select'
    case 'multiselect':
      return 'multiselect'
    case 'date':
      return 'date'
    case 'datetime':
      return 'datetime'
    case 'datetime_range':
      return 'datetime_range'
    case 'user':
      return 'user'
    default:
      return 'input'
  }
}

function emptyValue(type: string): unknown {
  if (type === 'multiselect') return []
  if (type === 'number' || type === 'datetime' || type === 'datetime_range') return null
  return ''
}

/** The form model: each field's existing value (from the ticket) or an empty one. */
export function initialModel(fields: readonly FieldDef[], existing: Record<string, unknown> = {}): FieldModel {
  const model: FieldModel = {}
  for (const f of fields) {
    const v = existing[f.key]
    if (v === undefined || v === null) {
      model[f.key] = emptyValue(f.type)
    } else if (f.type === 'multiselect') {
      model[f.key] = Array.isArray(v) ? [...v].map(String) : [String(v)]
    } else if (f.type === 'datetime_range') {
      model[f.key] = Array.isArray(v) && v.length === 2 ? v.map(String) : null
    } else if (f.type === 'number') {
      const n = typeof v === 'number' ? v : Number(v)
      model[f.key] = Number.isFinite(n) ? n : null
    } else {
      model[f.key] = typeof v === 'string' ? v : String(v)
    }
  }
  return model
}

export function isBlank(v: unknown): boolean {
  if (v === null || v === undefined) return true
  if (typeof v === 'string') return v.trim() === ''
  if (Array.isArray(v)) return v.length === 0
  if (typeof v === 'number') return Number.isNaN(v)
  return false
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/

function validDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false
  const [y, m, d] = s.split('-').map(Number) as [number, number, number]
  const dt = new Date(Date.UTC(y, m - 1, d))
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d
}

export type FieldProblem = 'required' | 'number' | 'option' | 'date' | 'datetime' | 'datetime_range'

/** The first problem with one value, or null. Mirrors the server's check_fields. */
export function checkField(f: FieldDef, v: unknown): FieldProblem | null {
  if (isBlank(v)) return f.required ? 'required' : null
  switch (f.type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? null : 'number'
    case 'select':
      return f.options?.length && !f.options.includes(String(v)) ? 'option' : null
    case 'multiselect':
      return f.options?.length && (v as unknown[]).some((x) => !f.options!.includes(String(x))) ? 'option' : null
    case 'date':
      return typeof v === 'string' && validDate(v) ? null : 'date'
    case 'datetime':
      return toDateTime(v) ? null : 'datetime'
    case 'datetime_range': {
      // [start, end], both date-times, the end after the start.
      if (!Array.isArray(v) || v.length !== 2) return 'datetime_range'
      const [a, b] = v.map(toDateTime)
      return a && b && Date.parse(b) > Date.parse(a) ? null : 'datetime_range'
    }
    default:
      return null
  }
}

/** Every field's problem (key → problem); empty when the form may be sent. */
export function checkModel(fields: readonly FieldDef[], model: FieldModel): Record<string, FieldProblem> {
  const out: Record<string, FieldProblem> = {}
  for (const f of fields) {
    const p = checkField(f, model[f.key])
    if (p) out[f.key] = p
  }
  return out
}

/** RFC 3339 in the browser's time zone, with its offset: 2026-11-22T06:00:00+08:00. */
export function rfc3339Local(d: Date): string {
  const p = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0')
  const off = -d.getTimezoneOffset()
  const sign = off >= 0 ? '+' : '-'
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` +
    `${sign}${p(off / 60)}:${p(off % 60)}`
  )
}

function toDateTime(v: unknown): string | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : rfc3339Local(v)
  if (typeof v === 'number') return toDateTime(new Date(v))
  if (typeof v === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(v)) return null
    const d = new Date(v)
    return Number.isNaN(d.getTime()) ? null : toDateTime(d)
  }
  return null
}

/**
 * The `fields` object to send: blank values left out (the server keeps what a required field
 * already has), numbers as numbers, multiselect as arrays of strings, datetimes as RFC 3339 UTC,
 * strings as typed (not trimmed: what the person wrote is what is stored).
 */
export function toPayload(fields: readonly FieldDef[], model: FieldModel): FieldValues {
  const out: FieldValues = {}
  for (const f of fields) {
    const v = model[f.key]
    if (isBlank(v)) continue
    switch (f.type) {
      case 'number':
        out[f.key] = typeof v === 'number' ? v : Number(v)
        break
      case 'multiselect':
        out[f.key] = (v as unknown[]).map(String)
        break
      case 'datetime':
        out[f.key] = toDateTime(v) ?? (v as FieldValue)
        break
      case 'datetime_range':
        out[f.key] = (v as unknown[]).map((x) => toDateTime(x) ?? String(x))
        break
      default:
        // The model holds what the field's input produced: a string, number, boolean or list.
        out[f.key] = v as FieldValue
    }
  }
  return out
}

/** A stored field value as text for reading (lists joined, datetimes in local time). */
export function displayValue(v: unknown, type?: string): string {
  if (v === null || v === undefined) return ''
  if (type === 'datetime_range' && Array.isArray(v) && v.length === 2) return `${displayValue(v[0], 'datetime')} – ${displayValue(v[1], 'datetime')}`
  if (Array.isArray(v)) return v.map((x) => displayValue(x)).join(', ')
  if (type === 'datetime' && typeof v === 'string') {
    const d = new Date(v)
    if (!Number.isNaN(d.getTime())) {
      const p = (n: number) => String(n).padStart(2, '0')
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
    }
  }
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/**
 * Server field errors for a dynamic form: the problem document names `fields.reason` (or
 * `variables.AnsibleHosts`); the form items are keyed by `reason`. Returns key → message for the
 * errors under `prefix`.
 */
export function errorsUnder(fieldErrors: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {}
  const p = `${prefix}.`
  for (const [k, msg] of Object.entries(fieldErrors)) {
    if (k.startsWith(p)) {
      const rest = k.slice(p.length)
      const key = rest.split('.')[0]!
      if (!(key in out)) out[key] = msg
    }
  }
  return out
}
