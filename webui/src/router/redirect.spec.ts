import { describe, expect, it } from 'vitest'
import { safeRedirect } from './redirect'

describe('safeRedirect', () => {
  it('follows local paths', () => {
    expect(safeRedirect('/admin/users?q=a')).toBe('/admin/users?q=a')
  })
  it('refuses other hosts, junk and the login page itself', () => {
    for (const bad of ['//evil.example', 'https://evil.example', '/\\evil', '', undefined, ['/x'], '/login?redirect=/']) {
      expect(safeRedirect(bad)).toBe('/')
    }
  })
})
