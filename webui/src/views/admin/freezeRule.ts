// The recurrence builder of the freeze form: the common shapes (every day, some weekdays, a day
// of the month, at a local time) written as RFC 5545 DTSTART and RRULE lines, and read back when
// a rule is edited. Anything else is edited as text; the server (libical) expands the rule.

export type Freq = 'DAILY' | 'WEEKLY' | 'MONTHLY'
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const
export type Weekday = (typeof WEEKDAYS)[number]

export interface SimpleRule {
  freq: Freq
  /** Weekly rules: the days. */
  days: Weekday[]
  /** First occurrence, local date "YYYY-MM-DD". */
  date: string
  /** Local time "HH:mm". */
  time: string
}

const pad = (n: number) => String(n).padStart(2, '0')

/** DTSTART (local time of the rule's time zone) and RRULE lines. */
export function writeRule(r: SimpleRule): string {
  const dt = `${r.date.replace(/-/g, '')}T${r.time.replace(':', '')}00`
  let rule = `FREQ=${r.freq}`
  if (r.freq === 'WEEKLY' && r.days.length) rule += `;BYDAY=${r.days.join(',')}`
  if (r.freq === 'MONTHLY') rule += `;BYMONTHDAY=${Number(r.date.slice(8, 10))}`
  return `DTSTART:${dt}\nRRULE:${rule}`
}

/** The builder's view of a rule text, or null when the text says more than the builder shows. */
export function readRule(text: string): SimpleRule | null {
  const m = /^DTSTART:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})00\nRRULE:FREQ=(DAILY|WEEKLY|MONTHLY)(;BYDAY=([A-Z,]+)|;BYMONTHDAY=(\d{1,2}))?$/.exec(text.trim())
  if (!m) return null
  const days = (m[8] ?? '').split(',').filter(Boolean)
  if (!days.every((d) => (WEEKDAYS as readonly string[]).includes(d))) return null
  const rule: SimpleRule = { freq: m[6] as Freq, days: days as Weekday[], date: `${m[1]}-${m[2]}-${m[3]}`, time: `${m[4]}:${m[5]}` }
  return writeRule(rule) === text.trim() ? rule : null
}

/** Today as "YYYY-MM-DD" in the browser's time zone. */
export function today(): string {
  const d = new Date()
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** The IANA time zones the browser knows, the browser's own first. */
export function timeZones(): string[] {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] }
  const all = intl.supportedValuesOf?.('timeZone') ?? ['UTC', 'Asia/Shanghai', 'Europe/Berlin', 'America/New_York']
  return [own, ...all.filter((z) => z !== own)]
}
