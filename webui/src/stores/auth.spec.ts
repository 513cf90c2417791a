import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { hasPermission, TOKEN_STORAGE_KEY, TOKEN_EXPIRY_STORAGE_KEY, useAuthStore } from './auth'
import { configureApi } from '@/api/client'
import type { Me } from '@/api/types'

function me(roles: string[], permissions: string[]): Me {
  return {
    id: 1,
    username: 'alice',
    display_name: 'Alice',
    email: null,
    roles,
    chat_ids: {},
    permissions,
    disabled: false,
    locale: 'zh-CN',
  timezone: null,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    version: 1,
  }
}

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('hasPermission / can', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('is false when signed out', () => {
    const auth = useAuthStore()
    expect(auth.can('user.manage')).toBe(false)
    expect(auth.can()).toBe(false)
  })

  it('grants exactly the listed permissions', () => {
    const auth = useAuthStore()
    auth.me = me(['ops'], ['ticket.submit', 'config.read'])
    expect(auth.can('ticket.submit')).toBe(true)
    expect(auth.can('config.read')).toBe(true)
    expect(auth.can('user.manage')).toBe(false)
    expect(auth.can('audit.read')).toBe(false)
    expect(auth.can(undefined)).toBe(true) // pages without a permission
  })

  it('gives admin every permission', () => {
    const auth = useAuthStore()
    auth.me = me(['admin'], ['admin'])
    for (const p of ['user.manage', 'audit.read', 'workflow.manage', 'anything.new']) {
      expect(auth.can(p)).toBe(true)
    }
    // The admin permission implies all, whichever role grants it …
    expect(hasPermission(me(['superops'], ['admin']), 'audit.read')).toBe(true)
    // … and holding the built-in admin role is enough even if permissions were not expanded.
    expect(hasPermission(me(['admin'], []), 'audit.read')).toBe(true)
  })
})

describe('session', () => {
  let fetchMock: ReturnType<typeof vi.fn>

  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
  })
  afterEach(() => vi.unstubAllGlobals())

  it('logs in, stores the token and loads me', async () => {
    const auth = useAuthStore()
    configureApi({ getToken: () => auth.token, onUnauthorized: () => auth.clearSession() })
    fetchMock
      .mockResolvedValueOnce(json(200, { token: 't1', expires_at: '2999-01-01T00:00:00Z', user: me(['ops'], []) }))
      .mockResolvedValueOnce(json(200, me(['ops'], ['ticket.submit'])))
    await auth.login('alice', 'pw')
    expect(auth.token).toBe('t1')
    expect(localStorage.getItem(TOKEN_STORAGE_KEY)).toBe('t1')
    expect(auth.can('ticket.submit')).toBe(true)
    const meReq = fetchMock.mock.calls[1]![0] as Request
    expect(meReq.headers.get('Authorization')).toBe('Bearer t1')
  })

  it('forgets the session on logout and when a request gets 401', async () => {
    localStorage.setItem(TOKEN_STORAGE_KEY, 't2')
    const auth = useAuthStore()
    configureApi({ getToken: () => auth.token, onUnauthorized: () => auth.clearSession() })
    expect(auth.isAuthenticated).toBe(true)
    fetchMock.mockResolvedValueOnce(json(401, { title: 'Unauthorized', status: 401 }))
    await expect(auth.ensureMe()).rejects.toMatchObject({ status: 401 })
    expect(auth.isAuthenticated).toBe(false)
    expect(localStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull()

    auth.setSession('t3')
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }))
    await auth.logout()
    expect(auth.token).toBeNull()
    expect((fetchMock.mock.calls[1]![0] as Request).url).toMatch(/\/api\/v1\/auth\/logout$/)
  })

  it('drops a stored token that has expired', () => {
    localStorage.setItem(TOKEN_STORAGE_KEY, 'old')
    localStorage.setItem(TOKEN_EXPIRY_STORAGE_KEY, '2000-01-01T00:00:00Z')
    expect(useAuthStore().token).toBeNull()
  })
})
