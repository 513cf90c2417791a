// The designer's model: a workflow draft as canvas nodes (with internal ids, so a node's key can
// be renamed) and arrows, and back to the API's WorkflowInput.
import type { ApprovalRule, Workflow, WorkflowDefinition, WorkflowNode } from '@/api/contract'
import type { FieldValue } from '@/api/types'
import { buildGraph, conditionLabel, effectiveTransitions } from '@/lib/flowGraph'

export interface DesignField {
  key: string
  label: string
  type: string
  required: boolean
  optionsText: string
}

export interface DesignNode {
  key: string
  name: string
  type: WorkflowNode['type']
  users: string[]
  roles: string[]
  business_roles: string[]
  submitter: boolean
  ruleKind: 'any' | 'all' | 'at_least'
  ruleN: number
  fields: DesignField[]
  readonly_fields: string[]
}

export interface DesignCondition {
  field: string
  op: '==' | '!=' | 'in' | '<' | '>'
  valueText: string
}

export interface CanvasNode {
  id: string
  type: 'flow'
  position: { x: number; y: number }
  data: { label: string; type: string; invalid?: boolean; node: DesignNode }
}

export interface CanvasEdge {
  id: string
  source: string
  target: string
  label?: string
  markerEnd: 'arrowclosed'
  data: { when: DesignCondition | null }
}

let seq = 0
export const uid = (p: string) => `${p}${Date.now().toString(36)}${(seq++).toString(36)}`

export function toDesignNode(n: WorkflowNode): DesignNode {
  const rule = n.rule as ApprovalRule | undefined
  return {
    key: n.key,
    name: n.name ?? '',
    type: n.type,
    users: [...(n.operators?.users ?? [])],
    roles: [...(n.operators?.roles ?? [])],
    business_roles: [...(n.operators?.business_roles ?? [])],
    submitter: n.operators?.submitter ?? false,
    ruleKind: rule && typeof rule === 'object' ? 'at_least' : rule === 'all' ? 'all' : 'any',
    ruleN: rule && typeof rule === 'object' ? rule.at_least : 2,
    fields: (n.fields ?? []).map((f) => ({
      key: f.key,
      label: f.label ?? '',
      type: f.type,
      required: f.required ?? false,
      optionsText: (f.options ?? []).join(', '),
    })),
    readonly_fields: [...(n.readonly_fields ?? [])],
  }
}

const list = (s: string) =>
  s
    .split(/[,，]/)
    .map((x) => x.trim())
    .filter((x) => x !== '')

/** A condition's value as the server wants it: a list for `in`, a number when it looks like one. */
export function conditionValue(c: DesignCondition): FieldValue {
  if (c.op === 'in') return list(c.valueText)
  const v = c.valueText.trim()
  if (v === 'true') return true
  if (v === 'false') return false
  if (v !== '' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v)
  return c.valueText
}

export function fromDesignNode(d: DesignNode): WorkflowNode {
  const withFields = d.type === 'submit' || d.type === 'fill' || d.type === 'evaluate'
  const node: WorkflowNode = {
    key: d.key.trim(),
    name: d.name.trim() || d.key.trim(),
    type: d.type,
    operators: { users: d.users, roles: d.roles, business_roles: d.business_roles, submitter: d.submitter },
  }
  if (d.type === 'approval') node.rule = d.ruleKind === 'at_least' ? { at_least: d.ruleN } : d.ruleKind
  if (withFields)
    node.fields = d.fields.map((f) => ({
      key: f.key.trim(),
      label: f.label.trim() || f.key.trim(),
      type: f.type as NonNullable<WorkflowNode['fields']>[number]['type'],
      required: f.required,
      ...(f.type === 'select' || f.type === 'multiselect' ? { options: list(f.optionsText) } : {}),
    }))
  if (d.readonly_fields.length) node.readonly_fields = d.readonly_fields
  return node
}

export function edgeLabel(when: DesignCondition | null): string | undefined {
  if (!when || !when.field) return undefined
  return conditionLabel({ field: when.field, op: when.op, value: conditionValue(when) })
}

/** The canvas for a stored workflow: positions from the automatic layout. */
export function toCanvas(def: Pick<WorkflowDefinition, 'nodes' | 'transitions'>): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const g = buildGraph(def.nodes, def.transitions)
  const idOf = new Map<string, string>()
  const nodes: CanvasNode[] = g.nodes.map((gn) => {
    const id = uid('n')
    idOf.set(gn.id, id)
    const dn = toDesignNode(gn.data.node)
    return { id, type: 'flow', position: gn.position, data: { label: dn.name || dn.key, type: dn.type, node: dn } }
  })
  const edges: CanvasEdge[] = effectiveTransitions(def.nodes, def.transitions).flatMap((t) => {
    const s = idOf.get(t.from)
    const d = idOf.get(t.to)
    if (!s || !d) return []
    const when: DesignCondition | null = t.when
      ? {
          field: t.when.field,
          op: t.when.op as DesignCondition['op'],
          valueText: Array.isArray(t.when.value) ? t.when.value.join(', ') : String(t.when.value ?? ''),
        }
      : null
    return [{ id: uid('e'), source: s, target: d, label: edgeLabel(when), markerEnd: 'arrowclosed' as const, data: { when } }]
  })
  return { nodes, edges }
}

export interface DesignMeta {
  name: string
  type: string
  description: string
  business_required: boolean
  allow_self_approval: boolean
  /** `email`, `webhook` and `chat:<chat channel id>` entries. */
  channels: string[]
  policy: 'once' | 'repeat'
  repeat_minutes: number
}

export function metaOf(w: Workflow | null): DesignMeta {
  return {
    name: w?.name ?? '',
    type: w?.type ?? 'change',
    description: w?.description ?? '',
    business_required: w?.business_required ?? false,
    allow_self_approval: w?.allow_self_approval ?? false,
    channels: [...(w?.notify?.channels ?? ['email'])],
    policy: w?.notify?.policy ?? 'once',
    repeat_minutes: w?.notify?.repeat_minutes ?? 60,
  }
}

/** The draft to save. Arrows become transitions in the order drawn; none = run in node order. */
export function toDefinition(meta: DesignMeta, nodes: CanvasNode[], edges: CanvasEdge[]): WorkflowDefinition {
  const keyOf = new Map(nodes.map((n) => [n.id, n.data.node.key.trim()]))
  return {
    name: meta.name.trim(),
    type: meta.type,
    description: meta.description,
    business_required: meta.business_required,
    allow_self_approval: meta.allow_self_approval,
    notify: { channels: meta.channels, policy: meta.policy, repeat_minutes: meta.policy === 'repeat' ? meta.repeat_minutes : 0 },
    nodes: nodes.map((n) => fromDesignNode(n.data.node)),
    transitions: edges
      .filter((e) => keyOf.has(e.source) && keyOf.has(e.target))
      .map((e) => ({
        from: keyOf.get(e.source)!,
        to: keyOf.get(e.target)!,
        ...(e.data.when && e.data.when.field
          ? { when: { field: e.data.when.field, op: e.data.when.op, value: conditionValue(e.data.when) } }
          : {}),
      })),
  }
}

/** A new node of a type with a key not used yet. */
export function newNode(type: DesignNode['type'], taken: Set<string>, name: string): DesignNode {
  let i = 1
  let key: string = type
  while (taken.has(key)) key = `${type}${++i}`
  return {
    key,
    name,
    type,
    users: [],
    roles: [],
    business_roles: [],
    submitter: type === 'execute',
    ruleKind: 'any',
    ruleN: 2,
    fields: [],
    readonly_fields: [],
  }
}

/** Maps the server's `nodes[2].operators` / `transitions[1]` errors to canvas ids. */
export function serverErrorTarget(field: string, nodes: CanvasNode[], edges: CanvasEdge[]): string | null {
  const n = /^nodes\[(\d+)\]|^nodes\.(\d+)/.exec(field)
  if (n) return nodes[Number(n[1] ?? n[2])]?.id ?? null
  const t = /^transitions\[(\d+)\]|^transitions\.(\d+)/.exec(field)
  if (t) return edges[Number(t[1] ?? t[2])]?.id ?? null
  return null
}

const arrow = (source: string, target: string, when: DesignCondition | null = null): CanvasEdge => ({
  id: uid('e'),
  source,
  target,
  label: edgeLabel(when),
  markerEnd: 'arrowclosed',
  data: { when },
})

/**
 * The arrows once node `id` (of `type`, already in `nodes`) is inserted into the chain:
 * - after an anchor node A that is not an end: A's arrows now leave from the new node and A → new
 *   is added (A → B becomes A → new → B);
 * - on an anchor arrow A → B: A → new (keeping the arrow's condition) and new → B;
 * - with no anchor, or an end node as the anchor: before that end node (the first one without an
 *   anchor): the arrows into it now go into the new node and new → end is added.
 * A new end node is only joined from an anchor node; a new submit node is left unjoined.
 */
export function insertEdges(
  nodes: readonly CanvasNode[],
  edges: readonly CanvasEdge[],
  id: string,
  anchor: { kind: 'node' | 'edge'; id: string } | null,
): CanvasEdge[] {
  const type = nodes.find((n) => n.id === id)?.data.node.type
  if (!type || type === 'submit') return [...edges]
  if (anchor?.kind === 'edge') {
    const e = edges.find((x) => x.id === anchor.id)
    if (!e || type === 'end') return [...edges]
    return edges.flatMap((x) => (x === e ? [arrow(e.source, id, e.data.when), arrow(id, e.target)] : [x]))
  }
  const a = anchor ? nodes.find((n) => n.id === anchor.id && n.id !== id) : undefined
  if (a && a.data.node.type !== 'end') {
    if (type === 'end') return [...edges, arrow(a.id, id)]
    return [...edges.map((x) => (x.source === a.id ? { ...x, source: id } : x)), arrow(a.id, id)]
  }
  const end = a ?? nodes.find((n) => n.id !== id && n.data.node.type === 'end')
  if (!end || type === 'end') return [...edges]
  return [...edges.map((x) => (x.target === end.id ? { ...x, target: id } : x)), arrow(id, end.id)]
}
