import { describe, expect, it } from 'vitest'
import { nameWithKey } from './format'

describe('nameWithKey', () => {
  it('adds the key once', () => {
    expect(nameWithKey('业务A', 'app01')).toBe('业务A (app01)')
    expect(nameWithKey('业务A (app01)', 'app01')).toBe('业务A (app01)')
    expect(nameWithKey('', 'app01')).toBe('app01')
    expect(nameWithKey('app01', 'app01')).toBe('app01')
  })
})
