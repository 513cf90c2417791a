// A ticket's flow for the page: the frozen workflow version it runs on (GET
// /workflows/{id}/versions/{n}, with transitions and fields), or — when that cannot be read — the
// ordered `nodes` the ticket carries.
import type { Ticket, TicketSummary, WorkflowDefinition } from '@/api/contract'
import { workflows } from '@/api/ops'
import type { FieldDef } from '@/lib/fieldForm'

export interface FlowView {
  nodes: { key: string; name?: string; type: string; fields?: FieldDef[] }[]
  transitions: WorkflowDefinition['transitions']
}

export async function resolveFlow(t: Ticket): Promise<FlowView> {
  if (t.workflow_id && t.workflow_version) {
    try {
      const v = await workflows.version(t.workflow_id, t.workflow_version)
      const def = v.definition
      // A template ticket runs an implicit execute step when its workflow has none: keep the
      // ticket's own node list then, which shows it.
      const keys = new Set(def.nodes.map((n) => n.key))
      if (t.nodes.every((n) => keys.has(n.key))) return { nodes: def.nodes, transitions: def.transitions ?? [] }
      return { nodes: t.nodes.map((n) => def.nodes.find((d) => d.key === n.key) ?? n), transitions: [] }
    } catch {
      // fall back to the ticket's nodes
    }
  }
  return { nodes: t.nodes, transitions: [] }
}

/** The fields a user enters at a node: from current_nodes, else from the flow. */
export function nodeFields(t: Ticket, flow: FlowView | null, key: string): FieldDef[] {
  const cur = t.current_nodes.find((n) => n.key === key)
  if (cur?.fields?.length) return cur.fields
  return flow?.nodes.find((n) => n.key === key)?.fields ?? []
}

/** Every field definition by key (labels and types for display). */
export function fieldDefsOf(flow: FlowView | null, t?: Ticket): Record<string, FieldDef> {
  const out: Record<string, FieldDef> = {}
  for (const n of flow?.nodes ?? []) for (const f of n.fields ?? []) out[f.key] = f
  for (const n of t?.current_nodes ?? []) for (const f of n.fields ?? []) out[f.key] ??= f
  return out
}

/** Names of the nodes by key. */
export function nodeNamesOf(flow: FlowView | null, t?: Ticket): Record<string, string> {
  const out: Record<string, string> = {}
  for (const n of t?.nodes ?? []) if (n.name) out[n.key] = n.name
  for (const n of flow?.nodes ?? []) if (n.name) out[n.key] = n.name
  return out
}

/** Nodes one may return the ticket to: earlier nodes it passed (not the current one, not an end). */
export function returnTargets(flow: FlowView | null, t: Ticket): FlowView['nodes'] {
  const current = new Set(t.current_nodes.map((n) => n.key))
  const passed = new Set(t.steps.map((s) => s.node).filter((x): x is string => !!x))
  return (flow?.nodes ?? t.nodes).filter((n) => passed.has(n.key) && !current.has(n.key) && n.type !== 'end')
}

export function userName(u: { username: string; display_name?: string } | null | undefined): string {
  if (!u) return ''
  return u.display_name && u.display_name !== u.username ? `${u.display_name} (${u.username})` : u.username
}

/** Where a listed ticket waits, for lists (summary or full ticket). */
export function currentNodeName(t: TicketSummary | Ticket): string {
  if ('current_nodes' in t) return t.current_nodes.map((n) => n.name || n.key).join(', ')
  return t.current_node ? t.current_node.name || t.current_node.key : ''
}
