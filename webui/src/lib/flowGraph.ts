// A workflow (nodes + transitions) as positioned boxes and arrows for @vue-flow/core: used
// read-only on the ticket page (current node highlighted, passed nodes marked) and as the
// starting layout of the designer.
/** What the drawing needs of a node and a transition (the API's WorkflowNode / WorkflowTransition). */
export interface WorkflowNode {
  key: string
  name?: string
  type: string
}
export interface Transition {
  from: string
  to: string
  when?: { field: string; op: string; value?: unknown } | null
}

/** The transitions in effect: the explicit ones, or node i → node i+1 (none out of an end). */
export function effectiveTransitions(nodes: readonly WorkflowNode[], transitions?: readonly Transition[] | null): Transition[] {
  if (transitions && transitions.length) return transitions.map((t) => ({ ...t }))
  const out: Transition[] = []
  for (let i = 0; i + 1 < nodes.length; i++) {
    if (nodes[i]!.type === 'end') continue
    out.push({ from: nodes[i]!.key, to: nodes[i + 1]!.key })
  }
  return out
}

/**
 * Layer of each node: its distance (longest path without cycles) from the start node, so the
 * graph reads left to right. Nodes not reachable get layers after the rest, in their order.
 */
export function layers(nodes: readonly WorkflowNode[], transitions: readonly Transition[]): Map<string, number> {
  const keys = nodes.map((n) => n.key)
  const out = new Map<string, number>()
  const start = nodes.find((n) => n.type === 'submit') ?? nodes[0]
  if (!start) return out
  const next = new Map<string, string[]>()
  for (const t of transitions) {
    if (!keys.includes(t.from) || !keys.includes(t.to)) continue
    next.set(t.from, [...(next.get(t.from) ?? []), t.to])
  }
  // Longest-path layering over the DAG of forward edges (a DFS drops back-edges of cycles).
  const order: string[] = []
  const state = new Map<string, 1 | 2>()
  const back = new Set<string>()
  const visit = (k: string) => {
    state.set(k, 1)
    for (const n of next.get(k) ?? []) {
      const s = state.get(n)
      if (s === 1) back.add(`${k}\u0000${n}`)
      else if (!s) visit(n)
    }
    state.set(k, 2)
    order.push(k)
  }
  visit(start.key)
  order.reverse()
  out.set(start.key, 0)
  for (const k of order) {
    const l = out.get(k) ?? 0
    for (const n of next.get(k) ?? []) {
      if (back.has(`${k}\u0000${n}`)) continue
      if ((out.get(n) ?? -1) < l + 1) out.set(n, l + 1)
    }
  }
  let extra = Math.max(0, ...out.values()) + 1
  for (const k of keys) if (!out.has(k)) out.set(k, extra++)
  return out
}

export type NodeState = 'done' | 'current' | 'rejected' | 'pending'

export interface GraphNode<N extends WorkflowNode = WorkflowNode> {
  id: string
  position: { x: number; y: number }
  data: { label: string; type: string; state: NodeState; node: N }
  class: string
}

export interface GraphEdge {
  id: string
  source: string
  target: string
  label?: string
  animated?: boolean
  class?: string
}

export const NODE_WIDTH = 150
export const NODE_GAP_X = 50
export const NODE_GAP_Y = 90

/** Positions (left to right by layer, stacked within a layer) and states for every node. */
export function buildGraph<N extends WorkflowNode>(
  nodes: readonly N[],
  transitions: readonly Transition[] | null | undefined,
  opts: { current?: readonly string[]; done?: readonly string[]; rejected?: readonly string[]; vertical?: boolean } = {},
): { nodes: GraphNode<N>[]; edges: GraphEdge[] } {
  const eff = effectiveTransitions(nodes, transitions)
  const layer = layers(nodes, eff)
  const perLayer = new Map<number, number>()
  const current = new Set(opts.current ?? [])
  const done = new Set(opts.done ?? [])
  const rejected = new Set(opts.rejected ?? [])
  const gNodes: GraphNode<N>[] = nodes.map((n) => {
    const l = layer.get(n.key) ?? 0
    const idx = perLayer.get(l) ?? 0
    perLayer.set(l, idx + 1)
    const along = l * (NODE_WIDTH + NODE_GAP_X)
    const across = idx * NODE_GAP_Y
    const state: NodeState = current.has(n.key) ? 'current' : rejected.has(n.key) ? 'rejected' : done.has(n.key) ? 'done' : 'pending'
    return {
      id: n.key,
      position: opts.vertical ? { x: across * 2.2, y: l * NODE_GAP_Y } : { x: along, y: across },
      data: { label: n.name || n.key, type: n.type, state, node: n },
      class: `flow-node flow-node--${n.type} flow-node--${state}`,
    }
  })
  const edges: GraphEdge[] = eff.map((t, i) => ({
    id: `e${i}-${t.from}-${t.to}`,
    source: t.from,
    target: t.to,
    label: t.when ? conditionLabel(t.when) : undefined,
    animated: current.has(t.from),
    class: done.has(t.from) && (done.has(t.to) || current.has(t.to)) ? 'flow-edge--done' : undefined,
  }))
  return { nodes: gNodes, edges }
}

export function conditionLabel(c: { field: string; op: string; value?: unknown }): string {
  const v = Array.isArray(c.value) ? `[${c.value.join(', ')}]` : typeof c.value === 'string' ? `"${c.value}"` : String(c.value)
  return `${c.field} ${c.op} ${v}`
}

/**
 * Nodes the ticket has passed, from its steps (a step names the node it acted on) and any
 * `visited` list the server sends; the current nodes are not "done".
 */
export function doneNodes(
  steps: readonly { node?: string | null }[] | undefined,
  current: readonly string[],
  visited?: readonly string[],
): string[] {
  const out = new Set<string>(visited ?? [])
  for (const s of steps ?? []) if (s.node) out.add(s.node)
  for (const c of current) out.delete(c)
  return [...out]
}
