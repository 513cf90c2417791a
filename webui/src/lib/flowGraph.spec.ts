import { describe, expect, it } from 'vitest'
import { buildGraph, doneNodes, effectiveTransitions, layers, type WorkflowNode } from './flowGraph'

const change: WorkflowNode[] = [
  { key: 'submit', name: '提单', type: 'submit' },
  { key: 'review', name: '变更审核', type: 'approval' },
  { key: 'summary', name: '变更操作及总结', type: 'fill' },
  { key: 'qc', name: '变更评估', type: 'evaluate' },
  { key: 'end', name: '结束', type: 'end' },
]

describe('flow graph', () => {
  it('runs nodes in order when there are no transitions', () => {
    expect(effectiveTransitions(change).map((t) => `${t.from}>${t.to}`)).toEqual(['submit>review', 'review>summary', 'summary>qc', 'qc>end'])
    const g = buildGraph(change, [], { current: ['summary'], done: ['submit', 'review'] })
    expect(g.nodes.map((n) => n.position.x)).toEqual([0, 200, 400, 600, 800])
    expect(g.nodes.map((n) => n.data.state)).toEqual(['done', 'done', 'current', 'pending', 'pending'])
    expect(g.edges.find((e) => e.source === 'summary')?.animated).toBe(true)
  })
  it('layers branches and survives cycles (return to an earlier node)', () => {
    const nodes: WorkflowNode[] = [
      { key: 's', type: 'submit' },
      { key: 'a', type: 'approval' },
      { key: 'b', type: 'approval' },
      { key: 'x', type: 'fill' },
      { key: 'e', type: 'end' },
    ]
    const l = layers(nodes, [
      { from: 's', to: 'a', when: { field: 'risk', op: '==', value: 'high' } },
      { from: 's', to: 'x' },
      { from: 'a', to: 'b' },
      { from: 'b', to: 'a' },
      { from: 'b', to: 'x' },
      { from: 'x', to: 'e' },
    ])
    expect(Object.fromEntries(l)).toEqual({ s: 0, a: 1, b: 2, x: 3, e: 4 })
    const g = buildGraph(nodes, [{ from: 's', to: 'a', when: { field: 'risk', op: 'in', value: ['high', 'mid'] } }])
    expect(g.edges[0]!.label).toBe('risk in [high, mid]')
  })
  it('derives passed nodes from steps', () => {
    expect(doneNodes([{ node: 'submit' }, { node: 'review' }, { node: 'review' }], ['summary']).sort()).toEqual(['review', 'submit'])
    expect(doneNodes([{ node: 'review' }], ['review'], ['submit'])).toEqual(['submit'])
  })
})
