import { i18n } from '@/i18n'

/**
 * An RFC 3339 time as "YYYY-MM-DD HH:mm:ss" in the browser's time zone: the same, sortable
 * shape in both languages (ops people compare times across logs).
 */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/**
 * What a permission allows, in the UI language when we have a translation for it
 * (messages `permissions.<name with . as _>`), else the server's description, else the name.
 */
export function permissionLabel(name: string, serverDescription?: string): string {
  const key = `permissions.${name.replace(/\./g, '_')}`
  if (i18n.global.te(key)) return i18n.global.t(key)
  return serverDescription || name
}

/** Pretty JSON for display. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return ''
  try {
    return JSON.stringify(value, null, 2)
  } catch {
    return String(value)
  }
}

/** "name (key)" for a picker option, or the name alone when it already shows the key. */
export function nameWithKey(name: string, key: string): string {
  if (!name || name === key) return key
  return name.includes(`(${key})`) ? name : `${name} (${key})`
}

/** A time zone's offset from UTC at `at`, e.g. "UTC+08:00" ("UTC+00:00" for UTC itself). */
export function timeZoneOffsetLabel(zone: string, at: Date): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value
    // "GMT+08:00", or "GMT" for a zone at UTC.
    if (!part) return ''
    return part === 'GMT' ? 'UTC+00:00' : part.replace('GMT', 'UTC')
  } catch {
    return ''
  }
}
