import { describe, expect, it } from 'vitest'
import { checkModel, controlOf, displayValue, errorsUnder, initialModel, toPayload, type FieldDef } from './fieldForm'
import { fieldErrorMap } from '@/api/problem'

const fields: FieldDef[] = [
  { key: 'reason', label: '变更原因', type: 'text', required: true },
  { key: 'scope', label: '变更范围', type: 'multiselect', required: true, options: ['web', 'db', 'cache'] },
  { key: 'window', label: '时间窗口', type: 'datetime', required: false },
  { key: 'hosts', label: 'Hosts', type: 'number' },
  { key: 'level', label: 'Level', type: 'select', options: ['low', 'high'] },
  { key: 'day', label: 'Day', type: 'date' },
  { key: 'owner', label: 'Owner', type: 'user' },
]

describe('form from node fields', () => {
  it('picks a control per type', () => {
    expect(fields.map((f) => controlOf(f.type))).toEqual(['textarea', 'multiselect', 'datetime', 'number', 'select', 'date', 'user'])
    expect(controlOf('string')).toBe('input')
    expect(controlOf('unknown-type')).toBe('input')
  })
  it('starts empty or from the ticket’s values', () => {
    expect(initialModel(fields)).toEqual({ reason: '', scope: [], window: null, hosts: null, level: '', day: '', owner: '' })
    const m = initialModel(fields, { reason: 'old server', scope: 'web', hosts: '3' })
    expect(m.reason).toBe('old server')
    expect(m.scope).toEqual(['web'])
    expect(m.hosts).toBe(3)
  })
  it('checks required fields, options, numbers and dates like the server', () => {
    expect(checkModel(fields, initialModel(fields))).toEqual({ reason: 'required', scope: 'required' })
    const bad = { ...initialModel(fields), reason: '  ', scope: ['web', 'nope'], level: 'mid', day: '2026-02-30', window: 'soon' }
    expect(checkModel(fields, bad)).toEqual({ reason: 'required', scope: 'option', level: 'option', day: 'date', window: 'datetime' })
    const good = { ...initialModel(fields), reason: 'EOL', scope: ['web'], day: '2026-11-21', window: new Date('2026-11-21T22:00:00Z') }
    expect(checkModel(fields, good)).toEqual({})
  })
  it('sends typed values and leaves blanks out', () => {
    const model = { ...initialModel(fields), reason: ' replace 5-year-old servers ', scope: ['web', 'db'], hosts: 4, window: new Date('2026-11-21T22:00:00Z') }
    const out = toPayload(fields, model)
    expect(out).toMatchObject({ reason: ' replace 5-year-old servers ', scope: ['web', 'db'], hosts: 4 })
    // RFC 3339 with the browser's own offset, the same instant.
    expect(out.window).toMatch(/^2026-11-2\dT\d{2}:\d{2}:00[+-]\d{2}:\d{2}$/)
    expect(Date.parse(out.window as string)).toBe(Date.parse('2026-11-21T22:00:00Z'))
  })
  it('checks and sends a date-time range as [start, end]', () => {
    const range: FieldDef[] = [{ key: 'win', label: '窗口', type: 'datetime_range', required: true }]
    expect(controlOf('datetime_range')).toBe('datetime_range')
    expect(checkModel(range, initialModel(range))).toEqual({ win: 'required' })
    const start = new Date('2026-11-21T22:00:00Z')
    const end = new Date('2026-11-22T02:00:00Z')
    expect(checkModel(range, { win: [end, start] })).toEqual({ win: 'datetime_range' })
    expect(checkModel(range, { win: [start, end] })).toEqual({})
    const sent = toPayload(range, { win: [start, end] }).win as string[]
    expect(sent.map((s) => Date.parse(s))).toEqual([start.getTime(), end.getTime()])
    expect(sent[0]).toMatch(/[+-]\d{2}:\d{2}$/)
    expect(displayValue(sent, 'datetime_range')).toContain(' – ')
  })
  it('maps server errors under fields.* to the form items', () => {
    const fe = fieldErrorMap([
      { field: 'fields.reason', message: 'is required' },
      { field: '/fields/scope/1', message: 'must be one of the field’s options' },
      { field: 'title', message: 'too long' },
    ])
    expect(errorsUnder(fe, 'fields')).toEqual({ reason: 'is required', scope: 'must be one of the field’s options' })
    expect(errorsUnder(fieldErrorMap([{ field: 'variables.AnsibleHosts', message: 'has no value' }]), 'variables')).toEqual({ AnsibleHosts: 'has no value' })
  })
  it('shows values for reading', () => {
    expect(displayValue(['a', 'b'])).toBe('a, b')
    expect(displayValue(3)).toBe('3')
    expect(displayValue(null)).toBe('')
  })
})
