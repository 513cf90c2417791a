// The typed HTTP client for the Orderly API.
//
// `api` is an openapi-fetch client typed by `schema.d.ts`, which `npm run gen:api` generates
// from api-spec/openapi.yaml: `api.GET('/api/v1/users', { params: { query: { q } } })`.
// Wrap calls in `unwrap()` to get the data or an `ApiError` thrown (see problem.ts).
//
// The auth middleware adds `Authorization: Bearer <token>` and reports a 401 on an
// authenticated request; main.ts wires both to the auth store and the router (configureApi),
// which keeps this module free of store and router imports.
import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError, networkError, toApiError } from './problem'

export interface ApiHooks {
  /** The bearer token to send, or null when signed out. */
  getToken(): string | null
  /** Called when a request that carried a token is answered 401 (expired or revoked session). */
  onUnauthorized(): void
}

let hooks: ApiHooks = { getToken: () => null, onUnauthorized: () => {} }

export function configureApi(h: ApiHooks): void {
  hooks = h
}

const LOGIN_PATH = '/api/v1/auth/login'

export const authMiddleware: Middleware = {
  onRequest({ request }) {
    const token = hooks.getToken()
    if (token && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${token}`)
    }
    return request
  },
  onResponse({ request, response }) {
    if (
      response.status === 401 &&
      request.headers.has('Authorization') &&
      !new URL(request.url, 'http://x').pathname.endsWith(LOGIN_PATH)
    ) {
      hooks.onUnauthorized()
    }
    return response
  },
}

export function createApiClient<P extends {} = paths>(fetchImpl?: typeof fetch): Client<P> {
  const client = createClient<P>({
    baseUrl: '',
    // Resolved on every call so tests (and polyfills) can replace globalThis.fetch.
    fetch: (req) => (fetchImpl ?? globalThis.fetch)(req),
  })
  client.use(authMiddleware)
  return client
}

/** The client for everything in api-spec/openapi.yaml. */
export const api = createApiClient()

/**
 * A client for endpoints that api-spec/openapi.yaml does not describe yet
 * (tickets, todo, ...). Same auth handling, no types. Move a call to `api` once its path is in
 * the spec (then `npm run gen:api`).
 */
export const looseApi = createApiClient<any>()

interface FetchResult<T> {
  data?: T
  error?: unknown
  response: Response
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError for a non-2xx answer
 * or a request that never got one.
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>
  try {
    result = await call
  } catch (e) {
    if (e instanceof ApiError) throw e
    throw networkError()
  }
  if (!result.response.ok) throw toApiError(result.response, result.error)
  return result.data as T
}

/** The `If-Match` header for an object's `version` (the server's ETag is the version in quotes). */
export function ifMatch(version: number): { 'If-Match': string } {
  return { 'If-Match': `"${version}"` }
}
