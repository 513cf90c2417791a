import { describe, expect, it } from 'vitest'
import { nameWithKey, timeZoneOffsetLabel } from './format'

describe('nameWithKey', () => {
  it('adds the key once', () => {
    expect(nameWithKey('业务A', 'app01')).toBe('业务A (app01)')
    expect(nameWithKey('业务A (app01)', 'app01')).toBe('业务A (app01)')
    expect(nameWithKey('', 'app01')).toBe('app01')
    expect(nameWithKey('app01', 'app01')).toBe('app01')
  })
})

describe('timeZoneOffsetLabel', () => {
  it('names the offset at that moment, daylight saving included', () => {
    expect(timeZoneOffsetLabel('Asia/Shanghai', new Date('2026-12-07T00:00:00Z'))).toBe('UTC+08:00')
    expect(timeZoneOffsetLabel('Europe/Berlin', new Date('2026-01-15T12:00:00Z'))).toBe('UTC+01:00')
    expect(timeZoneOffsetLabel('Europe/Berlin', new Date('2026-07-15T12:00:00Z'))).toBe('UTC+02:00')
    expect(timeZoneOffsetLabel('America/St_Johns', new Date('2026-01-15T12:00:00Z'))).toBe('UTC-03:30')
    expect(timeZoneOffsetLabel('UTC', new Date())).toBe('UTC+00:00')
    expect(timeZoneOffsetLabel('Not/AZone', new Date())).toBe('')
  })
})
