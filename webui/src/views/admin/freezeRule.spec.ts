import { describe, expect, it } from 'vitest'
import { readRule, writeRule } from './freezeRule'

describe('freeze recurrence builder', () => {
  it('writes a weekly rule at a local time', () => {
    expect(writeRule({ freq: 'WEEKLY', days: ['FR'], date: '2026-01-02', time: '18:00' })).toBe(
      'DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY;BYDAY=FR',
    )
  })

  it('writes a monthly rule on the day of the month of the first date', () => {
    expect(writeRule({ freq: 'MONTHLY', days: [], date: '2026-03-31', time: '02:30' })).toBe(
      'DTSTART:20260331T023000\nRRULE:FREQ=MONTHLY;BYMONTHDAY=31',
    )
  })

  it('reads back what it wrote', () => {
    const r = { freq: 'WEEKLY' as const, days: ['SA' as const, 'SU' as const], date: '2026-12-05', time: '00:00' }
    expect(readRule(writeRule(r))).toEqual(r)
  })

  it('leaves rules it cannot show to the text editor', () => {
    expect(readRule('DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY;BYDAY=FR;COUNT=3')).toBeNull()
    expect(readRule('DTSTART:20260102T180000\nRRULE:FREQ=WEEKLY;BYDAY=XX')).toBeNull()
    expect(readRule('RRULE:FREQ=DAILY')).toBeNull()
  })
})
