/** A random id for an Idempotency-Key (one per form, reused when the same form is sent again). */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const bytes = new Uint8Array(16)
  if (c?.getRandomValues) c.getRandomValues(bytes)
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** The execution a create/execute answer names, if any. */
export function executionIdOf(res: unknown): number | null {
  if (!res || typeof res !== 'object') return null
  const r = res as { execution_id?: unknown; executions?: { id?: unknown }[]; execution?: { id?: unknown } }
  if (typeof r.execution_id === 'number') return r.execution_id
  if (r.execution && typeof r.execution.id === 'number') return r.execution.id
  const last = r.executions?.[r.executions.length - 1]
  if (last && typeof last.id === 'number') return last.id
  return null
}
