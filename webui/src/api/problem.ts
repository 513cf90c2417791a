// Turning RFC 9457 problem documents (`application/problem+json`) into errors the UI can show.
//
// Every failed API call ends up as an `ApiError`: its `status` (0 when the server could not be
// reached), the problem document when the server sent one, and `fieldErrors`, a map from field
// name to message that forms bind to `<el-form-item :error="fieldErrors.email">`.

export interface ProblemFieldError {
  field: string
  message: string
  /** What is wrong, as a stable code (translated as `problem.<code>`); `message` is the English. */
  code?: string
  params?: Record<string, unknown>
}

export interface ProblemDocument {
  type?: string
  title?: string
  status?: number
  detail?: string
  errors?: ProblemFieldError[]
  request_id?: string
  /** What went wrong, as a stable code (translated as `problem.<code>`); `detail` is the English. */
  code?: string
  params?: Record<string, unknown>
}

export type FieldErrors = Record<string, string>

export class ApiError extends Error {
  /** HTTP status; 0 when no response arrived (network failure, server down). */
  readonly status: number
  readonly problem: ProblemDocument | null
  readonly fieldErrors: FieldErrors
  /** Value of the `Retry-After` header (seconds), e.g. on 429. */
  readonly retryAfter: number | null

  constructor(status: number, problem: ProblemDocument | null, retryAfter: number | null = null) {
    super(problem?.detail || problem?.title || (status ? `HTTP ${status}` : 'Network error'))
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.fieldErrors = fieldErrorMap(problem?.errors)
    this.retryAfter = retryAfter
  }

  get requestId(): string | undefined {
    return this.problem?.request_id
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError
}

/** The object changed since it was read (its If-Match version is stale): reload, then retry. */
export function isVersionConflict(e: unknown): e is ApiError {
  return isApiError(e) && e.status === 409 && e.problem?.code === 'request.version_conflict'
}

/**
 * Normalises the field names servers use into dotted paths:
 * `/members/ops/2` (JSON pointer), `members.ops[2]` and `members.ops.2` all become `members.ops.2`.
 */
export function normalizeFieldPath(field: string): string {
  let f = field.trim()
  if (f.startsWith('/')) {
    f = f
      .slice(1)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .join('.')
  }
  f = f.replace(/\[(\w+)\]/g, '.$1').replace(/^\$\.?/, '').replace(/^\./, '')
  return f
}

/**
 * Builds field → message. Each error is stored under its full path and, unless that key is
 * already taken, under its top-level name too, so a form item for `roles` shows the message of
 * `roles[1]`. Several messages for one key are joined with "; ".
 */
export function fieldErrorMap(errors: readonly ProblemFieldError[] | undefined | null): FieldErrors {
  const out: FieldErrors = {}
  const add = (key: string, message: string) => {
    if (!key) return
    const prev = out[key]
    if (prev === undefined) out[key] = message
    else if (!prev.split('; ').includes(message)) out[key] = `${prev}; ${message}`
  }
  for (const e of errors ?? []) {
    if (!e || typeof e.field !== 'string' || typeof e.message !== 'string') continue
    const path = normalizeFieldPath(e.field)
    add(path, e.message)
    const top = path.split('.')[0] ?? ''
    if (top !== path) add(top, e.message)
  }
  return out
}

function isParams(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v)
}

function asProblem(body: unknown): ProblemDocument | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null
  const b = body as Record<string, unknown>
  const p: ProblemDocument = {}
  if (typeof b.type === 'string') p.type = b.type
  if (typeof b.title === 'string') p.title = b.title
  if (typeof b.status === 'number') p.status = b.status
  if (typeof b.detail === 'string') p.detail = b.detail
  if (typeof b.request_id === 'string') p.request_id = b.request_id
  if (typeof b.code === 'string') p.code = b.code
  if (isParams(b.params)) p.params = b.params
  if (Array.isArray(b.errors)) {
    p.errors = b.errors
      .filter(
        (e): e is ProblemFieldError =>
          !!e && typeof e === 'object' && typeof (e as ProblemFieldError).field === 'string' &&
          typeof (e as ProblemFieldError).message === 'string',
      )
      .map((e) => ({
        field: e.field,
        message: e.message,
        ...(typeof e.code === 'string' ? { code: e.code } : {}),
        ...(isParams(e.params) ? { params: e.params } : {}),
      }))
  }
  return Object.keys(p).length ? p : null
}

/** Builds the ApiError for a non-2xx response whose body was `body` (parsed JSON, text or undefined). */
export function toApiError(response: Pick<Response, 'status' | 'headers'>, body: unknown): ApiError {
  const retry = Number.parseInt(response.headers.get('Retry-After') ?? '', 10)
  return new ApiError(response.status, asProblem(body), Number.isFinite(retry) ? retry : null)
}

/** The ApiError for a request that got no response at all. */
export function networkError(): ApiError {
  return new ApiError(0, null)
}

export type Translate = (key: string, named?: Record<string, unknown>) => string

/**
 * A server message in the user's language: `problem.<code>` filled with `params` when the UI
 * has that translation, else the server's English `fallback`. (vue-i18n's `t` answers the key
 * itself for a key it does not have.)
 */
export function codeText(
  code: string | undefined,
  params: Record<string, unknown> | undefined,
  fallback: string | undefined,
  t: Translate,
  prefix = 'problem',
): string {
  if (code) {
    const key = `${prefix}.${code}`
    const text = t(key, params ?? {})
    if (text && text !== key) return text
  }
  return fallback ?? ''
}

/** The problem's own text (no status): its code translated, else its detail. */
export function problemText(err: unknown, t: Translate): string {
  if (!isApiError(err) || !err.problem) return ''
  return codeText(err.problem.code, err.problem.params, err.problem.detail?.trim(), t)
}

/** field → message for a form, each field error rendered from its code like `problemText`. */
export function fieldErrorsText(err: unknown, t: Translate): FieldErrors {
  if (!isApiError(err)) return {}
  return fieldErrorMap((err.problem?.errors ?? []).map((e) => ({ field: e.field, message: codeText(e.code, e.params, e.message, t) })))
}

const KNOWN_STATUSES = [400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504]

/**
 * One line for a message box: the translated meaning of the status, then the problem in the
 * user's language (its code translated, else the server's detail): "Conflict: The object was
 * changed by someone else". Every error display goes through this (or `problemText`).
 */
export function errorMessage(err: unknown, t: Translate): string {
  if (!isApiError(err)) {
    return t('errors.unexpected')
  }
  if (err.status === 0) return t('errors.network')
  const key = KNOWN_STATUSES.includes(err.status)
    ? `errors.status.${err.status}`
    : err.status >= 500
      ? 'errors.status.500'
      : 'errors.status.other'
  const base = t(key, { status: err.status })
  const detail = problemText(err, t)
  return detail ? `${base}: ${detail}` : base
}
