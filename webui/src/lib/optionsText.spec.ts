import { describe, expect, it } from 'vitest'
import { optionsToText, parseOptionsText } from './optionsText'

describe('options editor', () => {
  it('reads the seed’s JSON list and plain lines alike', () => {
    expect(parseOptionsText('["host1","host2","host3"]')).toEqual({ ok: true, options: [{ value: 'host1' }, { value: 'host2' }, { value: 'host3' }] })
    expect(parseOptionsText('host1\n  host2 \n\nhost3\n')).toEqual({ ok: true, options: [{ value: 'host1' }, { value: 'host2' }, { value: 'host3' }] })
    expect(parseOptionsText('[{"value":"h1","label":"host 1"},"h2"]')).toEqual({ ok: true, options: [{ value: 'h1', label: 'host 1' }, { value: 'h2' }] })
  })
  it('refuses broken JSON and repeated values', () => {
    expect(parseOptionsText('["a",').ok).toBe(false)
    expect(parseOptionsText('[{"x":1}]')).toEqual({ ok: false, error: 'json' })
    expect(parseOptionsText('a\nb\na')).toEqual({ ok: false, error: 'duplicate', detail: 'a' })
  })
  it('writes lines back, or JSON when labels differ', () => {
    expect(optionsToText([{ value: 'a', label: 'a' }, { value: 'b' }])).toBe('a\nb')
    expect(parseOptionsText(optionsToText([{ value: 'a', label: 'A' }, { value: 'b', label: 'b' }]))).toEqual({
      ok: true,
      options: [{ value: 'a', label: 'A' }, { value: 'b' }],
    })
  })
})
