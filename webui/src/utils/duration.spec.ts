import { describe, expect, it } from 'vitest'
import { durationMs, formatDuration } from './duration'

describe('durations', () => {
  it('measures between times or until now', () => {
    expect(durationMs('2026-11-21T10:00:00Z', '2026-11-21T10:00:02.5Z')).toBe(2500)
    expect(durationMs('2026-11-21T10:00:00Z', null, Date.parse('2026-11-21T10:01:00Z'))).toBe(60000)
    expect(durationMs(null, null)).toBeNull()
  })
  it('formats for people', () => {
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(12345)).toBe('12.3 s')
    expect(formatDuration(245000)).toBe('4 min 05 s')
    expect(formatDuration(7380000)).toBe('2 h 03 min')
    expect(formatDuration(null)).toBe('')
  })
})
