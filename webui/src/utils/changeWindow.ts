// The change window of a ticket between the picker ([start, end] Dates) and the API
// (`planned_start` / `planned_end`, RFC 3339), and as the reader sees it.
import { formatDateTime } from './format'

export function windowBody(range: [Date, Date] | null): { planned_start?: string; planned_end?: string } {
  if (!range) return {}
  return { planned_start: range[0].toISOString(), planned_end: range[1].toISOString() }
}

/** "2026-12-07 02:00 – 04:00" when the window ends the day it starts, else both dates. */
export function formatWindow(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return ''
  const s = formatDateTime(start).slice(0, 16)
  const e = formatDateTime(end).slice(0, 16)
  return s.slice(0, 10) === e.slice(0, 10) ? `${s} – ${e.slice(11)}` : `${s} – ${e}`
}
