// The signed-in session: the bearer token (kept in localStorage so a reload stays signed in)
// and `me`, the user with roles and effective permissions from GET /api/v1/me.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, unwrap } from '@/api/client'
import type { Me } from '@/api/types'

export const TOKEN_STORAGE_KEY = 'orderly.token'
export const TOKEN_EXPIRY_STORAGE_KEY = 'orderly.token_expires_at'

/** The permission that implies every other one (held by the built-in role `admin`). */
export const ADMIN_PERMISSION = 'admin'

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

function readStoredToken(now = Date.now()): string | null {
  const s = storage()
  const token = s?.getItem(TOKEN_STORAGE_KEY) ?? null
  const expires = s?.getItem(TOKEN_EXPIRY_STORAGE_KEY)
  if (token && expires && Date.parse(expires) <= now) {
    s?.removeItem(TOKEN_STORAGE_KEY)
    s?.removeItem(TOKEN_EXPIRY_STORAGE_KEY)
    return null
  }
  return token
}

/** True when `user` may do what `perm` allows: holders of `admin` may do everything. */
export function hasPermission(user: Pick<Me, 'permissions' | 'roles'> | null | undefined, perm: string | undefined): boolean {
  if (!user) return false
  if (user.permissions.includes(ADMIN_PERMISSION) || user.roles.includes(ADMIN_PERMISSION)) return true
  if (!perm) return true
  return user.permissions.includes(perm)
}

export const useAuthStore = defineStore('auth', () => {
  const token = ref<string | null>(readStoredToken())
  const me = ref<Me | null>(null)

  const isAuthenticated = computed(() => token.value !== null)
  const displayName = computed(() => me.value?.display_name || me.value?.username || '')

  /** Whether the signed-in user holds `perm` (always true for admin; false when signed out). */
  function can(perm?: string): boolean {
    return hasPermission(me.value, perm)
  }

  function setSession(newToken: string, expiresAt?: string | null) {
    token.value = newToken
    const s = storage()
    s?.setItem(TOKEN_STORAGE_KEY, newToken)
    if (expiresAt) s?.setItem(TOKEN_EXPIRY_STORAGE_KEY, expiresAt)
    else s?.removeItem(TOKEN_EXPIRY_STORAGE_KEY)
  }

  /** Forgets the session locally (no server call). */
  function clearSession() {
    token.value = null
    me.value = null
    const s = storage()
    s?.removeItem(TOKEN_STORAGE_KEY)
    s?.removeItem(TOKEN_EXPIRY_STORAGE_KEY)
  }

  async function fetchMe(): Promise<Me> {
    const user = await unwrap(api.GET('/api/v1/me'))
    me.value = user
    return user
  }

  /** Loads `me` once per page load when a token is present. Throws ApiError on failure. */
  async function ensureMe(): Promise<void> {
    if (token.value && !me.value) await fetchMe()
  }

  /** Signs in; throws ApiError (401 wrong credentials, 429 throttled, …). */
  async function login(username: string, password: string): Promise<void> {
    const res = await unwrap(api.POST('/api/v1/auth/login', { body: { username, password } }))
    setSession(res.token, res.expires_at)
    try {
      await fetchMe()
    } catch (e) {
      clearSession()
      throw e
    }
  }

  /** Ends the session on the server (best effort) and locally. */
  async function logout(): Promise<void> {
    if (token.value) {
      try {
        await api.POST('/api/v1/auth/logout')
      } catch {
        // the server may be down; the local session ends anyway
      }
    }
    clearSession()
  }

  /** Another tab signed in or out: follow it. */
  function syncFromStorage() {
    const stored = readStoredToken()
    if (stored !== token.value) {
      token.value = stored
      me.value = null
    }
  }

  return {
    token,
    me,
    isAuthenticated,
    displayName,
    can,
    setSession,
    clearSession,
    fetchMe,
    ensureMe,
    login,
    logout,
    syncFromStorage,
  }
})
