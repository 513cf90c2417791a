import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, configureApi, ifMatch, unwrap } from './client'
import { ApiError } from './problem'

function json(status: number, body: unknown, type = 'application/json') {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } })
}

describe('api client', () => {
  let token: string | null
  let unauthorized: number
  let fetchMock: ReturnType<typeof vi.fn>

  beforeEach(() => {
    token = 'tok-1'
    unauthorized = 0
    configureApi({ getToken: () => token, onUnauthorized: () => unauthorized++ })
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
  })
  afterEach(() => vi.unstubAllGlobals())

  it('sends the bearer token', async () => {
    fetchMock.mockResolvedValue(json(200, { items: [] }))
    await unwrap(api.GET('/api/v1/roles'))
    const req = fetchMock.mock.calls[0]![0] as Request
    expect(req.headers.get('Authorization')).toBe('Bearer tok-1')
    expect(new URL(req.url).pathname).toBe('/api/v1/roles')
  })

  it('sends no Authorization header when signed out', async () => {
    token = null
    fetchMock.mockResolvedValue(json(200, { items: [] }))
    await unwrap(api.GET('/api/v1/roles'))
    expect((fetchMock.mock.calls[0]![0] as Request).headers.has('Authorization')).toBe(false)
  })

  it('reports a 401 on an authenticated request', async () => {
    fetchMock.mockResolvedValue(json(401, { title: 'Unauthorized', status: 401 }, 'application/problem+json'))
    await expect(unwrap(api.GET('/api/v1/me'))).rejects.toMatchObject({ status: 401 })
    expect(unauthorized).toBe(1)
  })

  it('does not treat wrong credentials at login as an expired session', async () => {
    token = null
    fetchMock.mockResolvedValue(json(401, { title: 'Unauthorized', status: 401 }, 'application/problem+json'))
    await expect(
      unwrap(api.POST('/api/v1/auth/login', { body: { username: 'a', password: 'b' } })),
    ).rejects.toBeInstanceOf(ApiError)
    expect(unauthorized).toBe(0)
  })

  it('turns problem documents into ApiError with field errors', async () => {
    fetchMock.mockResolvedValue(
      json(400, { title: 'Bad Request', status: 400, errors: [{ field: 'password', message: 'too short' }] }, 'application/problem+json'),
    )
    const err = await unwrap(api.POST('/api/v1/users', { body: { username: 'x', password: 'y' } })).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.fieldErrors).toEqual({ password: 'too short' })
  })

  it('turns a failed fetch into a network ApiError', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    await expect(unwrap(api.GET('/api/v1/roles'))).rejects.toMatchObject({ status: 0 })
  })

  it('sends If-Match as the quoted version', async () => {
    expect(ifMatch(3)).toEqual({ 'If-Match': '"3"' })
    fetchMock.mockResolvedValue(json(200, { key: 'ops', name: 'Ops', permissions: [], builtin: false, version: 4 }))
    await unwrap(
      api.PATCH('/api/v1/roles/{key}', { params: { path: { key: 'ops' }, header: ifMatch(3) }, body: { name: 'Ops' } }),
    )
    expect((fetchMock.mock.calls[0]![0] as Request).headers.get('If-Match')).toBe('"3"')
  })
})
