// Automatic layout of a workflow graph with dagre (layered drawing of a directed graph): nodes
// in ranks along the flow, arranged so arrows cross as few nodes and other arrows as possible.
import dagre from '@dagrejs/dagre'

export interface LayoutNode {
  id: string
  /** Measured size of the node's box; defaults apply while it is not rendered yet. */
  width?: number
  height?: number
}

export interface LayoutEdge {
  source: string
  target: string
}

export interface LayoutOptions {
  /** LR: left to right (desktop); TB: top to bottom (phones). */
  direction?: 'LR' | 'TB'
  nodeWidth?: number
  nodeHeight?: number
  /** Gap between ranks and between nodes of one rank, in px. */
  rankSep?: number
  nodeSep?: number
}

/** Top-left positions (as @vue-flow/core places nodes) for every node. */
export function autoLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  opts: LayoutOptions = {},
): Map<string, { x: number; y: number }> {
  const { direction = 'LR', nodeWidth = 150, nodeHeight = 50, rankSep = 70, nodeSep = 40 } = opts
  const g = new dagre.graphlib.Graph({ multigraph: true })
  g.setGraph({ rankdir: direction, ranksep: rankSep, nodesep: nodeSep, edgesep: 20, marginx: 10, marginy: 10 })
  g.setDefaultEdgeLabel(() => ({}))
  const ids = new Set<string>()
  for (const n of nodes) {
    ids.add(n.id)
    g.setNode(n.id, { width: n.width || nodeWidth, height: n.height || nodeHeight })
  }
  edges.forEach((e, i) => {
    if (ids.has(e.source) && ids.has(e.target) && e.source !== e.target) g.setEdge(e.source, e.target, {}, `e${i}`)
  })
  dagre.layout(g)
  const out = new Map<string, { x: number; y: number }>()
  for (const n of nodes) {
    const p = g.node(n.id)
    // dagre gives centres.
    out.set(n.id, { x: Math.round(p.x - p.width / 2), y: Math.round(p.y - p.height / 2) })
  }
  return out
}
