// The checks a workflow draft must pass to be deployed, as the server makes them
// (server/src/domain/workflow.cpp validate_for_deploy), so the designer can point at the node
// before the round trip. The server still has the final word (e.g. whether users exist).
export interface CheckNode {
  key: string
  name?: string
  type: string
  operators?: { users?: string[]; roles?: string[]; business_roles?: string[]; submitter?: boolean }
  rule?: unknown
  fields?: { key: string; type: string; options?: string[] }[]
}
export interface CheckTransition {
  from: string
  to: string
  when?: { field: string; op: string; value?: unknown } | null
}
export interface CheckDraft {
  name: string
  business_required?: boolean
  nodes: CheckNode[]
  transitions?: CheckTransition[]
}

/** One problem: an i18n code under `designer.problems.*`, its parameters, and the node it is about. */
export interface Problem {
  code: string
  params: Record<string, string | number>
  node?: string
  transition?: number
}

const KEY_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const ACTING = new Set(['approval', 'fill', 'evaluate'])
const WITH_FIELDS = new Set(['submit', 'fill', 'evaluate'])

function effective(d: CheckDraft): CheckTransition[] {
  if (d.transitions && d.transitions.length) return d.transitions
  const out: CheckTransition[] = []
  for (let i = 0; i + 1 < d.nodes.length; i++) if (d.nodes[i]!.type !== 'end') out.push({ from: d.nodes[i]!.key, to: d.nodes[i + 1]!.key })
  return out
}

export function checkWorkflow(d: CheckDraft): Problem[] {
  const out: Problem[] = []
  const add = (code: string, params: Record<string, string | number> = {}, node?: string, transition?: number) =>
    out.push({ code, params, node, transition })
  if (!d.name.trim()) add('name')
  const keys = new Map<string, number>()
  for (const n of d.nodes) keys.set(n.key, (keys.get(n.key) ?? 0) + 1)
  const fieldKeys = new Map<string, string>()
  for (const n of d.nodes) {
    const label = n.name || n.key
    if (!KEY_RE.test(n.key)) add('nodeKey', { node: label }, n.key)
    else if ((keys.get(n.key) ?? 0) > 1) add('nodeKeyDup', { node: label }, n.key)
    const ops = n.operators ?? {}
    const hasOps = !!(ops.users?.length || ops.roles?.length || ops.business_roles?.length || ops.submitter)
    if (ACTING.has(n.type) && !hasOps) add('noOperators', { node: label }, n.key)
    if (ops.business_roles?.length && !d.business_required) add('businessRoles', { node: label }, n.key)
    if (n.type === 'approval' && n.rule && typeof n.rule === 'object') {
      const at = (n.rule as { at_least?: unknown }).at_least
      if (typeof at !== 'number' || at < 1 || !Number.isInteger(at)) add('rule', { node: label }, n.key)
    }
    if (n.fields?.length && !WITH_FIELDS.has(n.type)) add('fieldsHere', { node: label }, n.key)
    for (const f of n.fields ?? []) {
      if (!FIELD_RE.test(f.key)) add('fieldKey', { node: label, field: f.key || '?' }, n.key)
      else if (fieldKeys.has(f.key)) add('fieldKeyDup', { node: label, field: f.key }, n.key)
      else fieldKeys.set(f.key, n.key)
      if ((f.type === 'select' || f.type === 'multiselect') && !f.options?.length) add('fieldOptions', { node: label, field: f.key }, n.key)
    }
  }
  const submits = d.nodes.filter((n) => n.type === 'submit')
  if (submits.length !== 1) add('oneSubmit', { n: submits.length })
  if (!d.nodes.some((n) => n.type === 'end')) add('noEnd')

  const trans = effective(d)
  const typeOf = new Map(d.nodes.map((n) => [n.key, n.type]))
  const next = new Map<string, string[]>()
  const prev = new Map<string, string[]>()
  trans.forEach((t, i) => {
    if (!typeOf.has(t.from) || !typeOf.has(t.to)) {
      add('transitionNodes', { from: t.from, to: t.to }, undefined, i)
      return
    }
    if (typeOf.get(t.from) === 'end') add('fromEnd', { from: t.from }, t.from, i)
    if (typeOf.get(t.to) === 'submit') add('intoSubmit', { from: t.from }, t.from, i)
    if (t.when && t.when.field && !fieldKeys.has(t.when.field)) add('conditionField', { field: t.when.field, from: t.from }, t.from, i)
    if (t.when && t.when.op === 'in' && !Array.isArray(t.when.value)) add('conditionIn', { from: t.from }, t.from, i)
    next.set(t.from, [...(next.get(t.from) ?? []), t.to])
    prev.set(t.to, [...(prev.get(t.to) ?? []), t.from])
  })
  const walk = (starts: string[], edges: Map<string, string[]>) => {
    const seen = new Set(starts)
    const stack = [...starts]
    while (stack.length) for (const n of edges.get(stack.pop()!) ?? []) if (!seen.has(n)) (seen.add(n), stack.push(n))
    return seen
  }
  if (submits.length === 1) {
    const reach = walk([submits[0]!.key], next)
    for (const n of d.nodes) if (!reach.has(n.key)) add('unreachable', { node: n.name || n.key }, n.key)
  }
  const ends = d.nodes.filter((n) => n.type === 'end').map((n) => n.key)
  if (ends.length) {
    const toEnd = walk(ends, prev)
    for (const n of d.nodes) if (!toEnd.has(n.key)) add('noWayToEnd', { node: n.name || n.key }, n.key)
  }
  return out
}
