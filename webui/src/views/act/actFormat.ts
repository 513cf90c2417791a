// A field's or variable's value as one line of text: lists joined, a time range as its two ends.
export function displayFieldValue(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (Array.isArray(v)) return v.map((x) => displayFieldValue(x)).join(', ')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
