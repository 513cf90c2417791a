import { describe, expect, it } from 'vitest'
import {
  ApiError,
  errorMessage,
  fieldErrorsText,
  fieldErrorMap,
  isApiError,
  isVersionConflict,
  networkError,
  normalizeFieldPath,
  toApiError,
} from './problem'

const headers = (h: Record<string, string> = {}) => new Headers(h)

describe('normalizeFieldPath', () => {
  it('keeps plain names', () => {
    expect(normalizeFieldPath('email')).toBe('email')
  })
  it('turns JSON pointers and brackets into dotted paths', () => {
    expect(normalizeFieldPath('/members/ops/2')).toBe('members.ops.2')
    expect(normalizeFieldPath('members.ops[2]')).toBe('members.ops.2')
    expect(normalizeFieldPath('roles[0]')).toBe('roles.0')
    expect(normalizeFieldPath('/a~1b')).toBe('a/b')
  })
})

describe('fieldErrorMap', () => {
  it('maps each field to its message, and nested paths to their top-level field too', () => {
    const m = fieldErrorMap([
      { field: 'username', message: 'must match ^[A-Za-z0-9_.@-]{1,64}$' },
      { field: 'members.ops[2]', message: 'unknown user: zed' },
    ])
    expect(m.username).toBe('must match ^[A-Za-z0-9_.@-]{1,64}$')
    expect(m['members.ops.2']).toBe('unknown user: zed')
    expect(m.members).toBe('unknown user: zed')
  })
  it('joins several messages for one field', () => {
    const m = fieldErrorMap([
      { field: 'password', message: 'too short' },
      { field: 'password', message: 'too common' },
      { field: 'password', message: 'too short' },
    ])
    expect(m.password).toBe('too short; too common')
  })
  it('does not let a nested error replace the top-level field message', () => {
    const m = fieldErrorMap([
      { field: 'roles', message: 'unknown role: opz' },
      { field: 'roles[1]', message: 'too long' },
    ])
    expect(m.roles).toBe('unknown role: opz; too long')
  })
  it('ignores junk', () => {
    expect(fieldErrorMap(undefined)).toEqual({})
    expect(fieldErrorMap([{ field: 1, message: 'x' } as any, null as any])).toEqual({})
  })
})

describe('toApiError', () => {
  it('reads a problem document', () => {
    const e = toApiError(
      { status: 422, headers: headers() },
      {
        type: 'about:blank',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'The request breaks a rule.',
        errors: [{ field: 'roles', message: 'unknown role: opz' }],
        request_id: 'r1',
      },
    )
    expect(isApiError(e)).toBe(true)
    expect(e.status).toBe(422)
    expect(e.problem?.detail).toBe('The request breaks a rule.')
    expect(e.fieldErrors).toEqual({ roles: 'unknown role: opz' })
    expect(e.requestId).toBe('r1')
    expect(e.message).toBe('The request breaks a rule.')
  })
  it('copes with bodies that are not problem documents', () => {
    const e = toApiError({ status: 502, headers: headers() }, '<html>Bad gateway</html>')
    expect(e.status).toBe(502)
    expect(e.problem).toBeNull()
    expect(e.fieldErrors).toEqual({})
    expect(toApiError({ status: 500, headers: headers() }, undefined).problem).toBeNull()
  })
  it('reads Retry-After', () => {
    expect(toApiError({ status: 429, headers: headers({ 'Retry-After': '30' }) }, {}).retryAfter).toBe(30)
    expect(toApiError({ status: 429, headers: headers() }, {}).retryAfter).toBeNull()
  })
})

describe('errorMessage', () => {
  // A stand-in translator: the key, plus the status where the message names it.
  const t = (key: string, named?: Record<string, unknown>) =>
    key.endsWith('.other') ? `${key}(${String(named?.status)})` : key

  it('combines the translated status with the server detail', () => {
    const e = new ApiError(409, { title: 'Conflict', status: 409, detail: 'Username taken.' })
    expect(errorMessage(e, t)).toBe('errors.status.409: Username taken.')
  })
  it('uses the status alone without detail', () => {
    expect(errorMessage(new ApiError(403, { title: 'Forbidden' }), t)).toBe('errors.status.403')
  })
  it('falls back for unknown statuses', () => {
    expect(errorMessage(new ApiError(418, null), t)).toBe('errors.status.other(418)')
    expect(errorMessage(new ApiError(507, null), t)).toBe('errors.status.500')
  })
  it('names network failures and unexpected errors', () => {
    expect(errorMessage(networkError(), t)).toBe('errors.network')
    expect(errorMessage(new TypeError('boom'), t)).toBe('errors.unexpected')
  })
})

describe('problems rendered from their code', () => {
  // A stand-in for vue-i18n's `t`: it answers the key itself for a key it does not have.
  const messages: Record<string, string> = {
    'errors.status.404': '对象不存在',
    'errors.status.422': '请求无效',
    'problem.execution.not_found': '找不到执行 #{id}',
    'problem.field.required': '必填',
  }
  const t = (key: string, named?: Record<string, unknown>) =>
    (messages[key] ?? key).replace(/\{(\w+)\}/g, (_, k: string) => String(named?.[k] ?? `{${k}}`))

  it('uses the translation of the code with its params', () => {
    const e = toApiError({ status: 404, headers: headers() }, { status: 404, detail: 'no execution with id 1', code: 'execution.not_found', params: { id: 1 } })
    expect(errorMessage(e, t)).toBe('对象不存在: 找不到执行 #1')
  })
  it('falls back to the detail for a code the UI does not know', () => {
    const e = toApiError({ status: 404, headers: headers() }, { status: 404, detail: 'no thing with id 2', code: 'thing.not_found', params: { id: 2 } })
    expect(errorMessage(e, t)).toBe('对象不存在: no thing with id 2')
  })
  it('renders field errors from their codes, else their messages', () => {
    const e = toApiError(
      { status: 422, headers: headers() },
      {
        status: 422,
        detail: 'invalid',
        errors: [
          { field: 'fields.scope', message: 'is required', code: 'field.required' },
          { field: 'title', message: 'is too long', code: 'field.unknown_code' },
        ],
      },
    )
    expect(fieldErrorsText(e, t)).toMatchObject({ 'fields.scope': '必填', fields: '必填', title: 'is too long' })
  })
})

describe('isVersionConflict', () => {
  it('is a stale version, not every 409', () => {
    expect(isVersionConflict(new ApiError(409, { title: 'Conflict', status: 409, code: 'request.version_conflict' }))).toBe(true)
    // A name taken on rename is a 409 too, and must be shown as such, not as "changed meanwhile".
    expect(isVersionConflict(new ApiError(409, { title: 'Conflict', status: 409, code: 'template.name_exists' }))).toBe(false)
    expect(isVersionConflict(new ApiError(422, { title: 'Unprocessable', status: 422, code: 'request.version_conflict' }))).toBe(false)
    expect(isVersionConflict(new Error('x'))).toBe(false)
  })
})
