import { describe, expect, it } from 'vitest'
import { formatWindow, windowBody } from './changeWindow'

describe('change window', () => {
  it('sends nothing without a window', () => {
    expect(windowBody(null)).toEqual({})
  })

  it('sends both ends as UTC RFC 3339', () => {
    const start = new Date(Date.UTC(2026, 11, 7, 18, 0, 0))
    const end = new Date(Date.UTC(2026, 11, 7, 20, 30, 0))
    expect(windowBody([start, end])).toEqual({ planned_start: '2026-12-07T18:00:00.000Z', planned_end: '2026-12-07T20:30:00.000Z' })
  })

  it('shows the end date only when it differs from the start date', () => {
    const at = (d: number, h: number) => new Date(2026, 11, d, h, 0, 0).toISOString()
    expect(formatWindow(at(7, 2), at(7, 4))).toBe('2026-12-07 02:00 – 04:00')
    expect(formatWindow(at(7, 22), at(8, 6))).toBe('2026-12-07 22:00 – 2026-12-08 06:00')
    expect(formatWindow(null, at(8, 6))).toBe('')
  })
})
