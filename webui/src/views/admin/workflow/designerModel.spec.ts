import { describe, expect, it } from 'vitest'
import type { WorkflowDefinition } from '@/api/contract'
import { conditionValue, insertEdges, metaOf, newNode, serverErrorTarget, toCanvas, toDefinition } from './designerModel'

const def: WorkflowDefinition = {
  name: '环境变更',
  type: 'change',
  description: '',
  business_required: true,
  allow_self_approval: false,
  notify: { channels: ['email'], policy: 'repeat', repeat_minutes: 30 },
  nodes: [
    { key: 'submit', name: '变更申请', type: 'submit', operators: { business_roles: ['ops'], submitter: false }, fields: [{ key: 'reason', label: '变更原因', type: 'text', required: true }] },
    { key: 'review', name: '变更审核', type: 'approval', operators: { business_roles: ['ops_lead'], submitter: false }, rule: { at_least: 2 } },
    { key: 'qc', name: '变更评估', type: 'evaluate', operators: { roles: ['qc'], submitter: false }, fields: [{ key: 'score', label: 'Score', type: 'select', required: true, options: ['good', 'bad'] }] },
    { key: 'end', name: '结束', type: 'end', operators: { submitter: false } },
  ],
  transitions: [],
}

describe('designer model', () => {
  it('turns a stored draft into a canvas and back without losing anything', () => {
    const c = toCanvas(def)
    expect(c.nodes.map((n) => n.data.node.key)).toEqual(['submit', 'review', 'qc', 'end'])
    expect(c.edges).toHaveLength(3) // the implicit order becomes arrows
    const back = toDefinition({ ...metaOf(null), name: '环境变更', business_required: true, policy: 'repeat', repeat_minutes: 30 }, c.nodes, c.edges)
    expect(back.nodes[1]).toMatchObject({ key: 'review', rule: { at_least: 2 }, operators: { business_roles: ['ops_lead'] } })
    expect(back.nodes[2]!.fields).toEqual([{ key: 'score', label: 'Score', type: 'select', required: true, options: ['good', 'bad'] }])
    expect(back.nodes[3]!.fields).toBeUndefined()
    expect(back.transitions).toEqual([
      { from: 'submit', to: 'review' },
      { from: 'review', to: 'qc' },
      { from: 'qc', to: 'end' },
    ])
    expect(back.notify).toEqual({ channels: ['email'], policy: 'repeat', repeat_minutes: 30 })
  })
  it('keeps conditions, with list values for "in" and numbers where they look like numbers', () => {
    const c = toCanvas({ ...def, transitions: [{ from: 'submit', to: 'review', when: { field: 'risk', op: 'in', value: ['high', 'mid'] } }, { from: 'review', to: 'qc' }, { from: 'qc', to: 'end' }] })
    expect(c.edges[0]!.label).toBe('risk in [high, mid]')
    const back = toDefinition(metaOf(null), c.nodes, c.edges)
    expect(back.transitions![0]).toEqual({ from: 'submit', to: 'review', when: { field: 'risk', op: 'in', value: ['high', 'mid'] } })
    expect(conditionValue({ field: 'n', op: '>', valueText: '3' })).toBe(3)
    expect(conditionValue({ field: 'n', op: '==', valueText: 'v1.2' })).toBe('v1.2')
  })
  it('names new nodes uniquely and maps server errors to canvas elements', () => {
    expect(newNode('approval', new Set(['approval', 'approval2']), 'x').key).toBe('approval3')
    const c = toCanvas(def)
    expect(serverErrorTarget('nodes[1].operators', c.nodes, c.edges)).toBe(c.nodes[1]!.id)
    expect(serverErrorTarget('transitions[2]', c.nodes, c.edges)).toBe(c.edges[2]!.id)
    expect(serverErrorTarget('name', c.nodes, c.edges)).toBeNull()
  })
})

describe('inserting a node into the chain', () => {
  const chain = () => {
    const c = toCanvas({ nodes: [
      { key: 'submit', name: '提单', type: 'submit' },
      { key: 'review', name: '审核', type: 'approval' },
      { key: 'end', name: '结束', type: 'end' },
    ], transitions: [] })
    const id = (k: string) => c.nodes.find((n) => n.data.node.key === k)!.id
    return { c, id }
  }
  const add = (c: ReturnType<typeof toCanvas>, type: 'approval' | 'end' | 'submit' | 'fill') => {
    const dn = newNode(type, new Set(c.nodes.map((n) => n.data.node.key)), type)
    const node = { id: `new-${type}`, type: 'flow' as const, position: { x: 0, y: 0 }, data: { label: dn.name, type, node: dn } }
    return [...c.nodes, node]
  }
  const keys = (nodes: ReturnType<typeof toCanvas>['nodes'], edges: ReturnType<typeof toCanvas>['edges']) => {
    const k = new Map(nodes.map((n) => [n.id, n.data.node.key]))
    return edges.map((e) => `${k.get(e.source)}→${k.get(e.target)}`).sort()
  }

  it('after a selected node: A → B becomes A → new → B', () => {
    const { c, id } = chain()
    const nodes = add(c, 'fill')
    const edges = insertEdges(nodes, c.edges, 'new-fill', { kind: 'node', id: id('submit') })
    expect(keys(nodes, edges)).toEqual(['fill→review', 'review→end', 'submit→fill'])
  })

  it('on a selected arrow, keeping its condition on the first half', () => {
    const { c, id } = chain()
    const e = c.edges.find((x) => x.source === id('review'))!
    e.data.when = { field: 'risk', op: '==', valueText: 'high' }
    const nodes = add(c, 'fill')
    const edges = insertEdges(nodes, c.edges, 'new-fill', { kind: 'edge', id: e.id })
    expect(keys(nodes, edges)).toEqual(['fill→end', 'review→fill', 'submit→review'])
    expect(edges.find((x) => x.target === 'new-fill')!.data.when).toEqual({ field: 'risk', op: '==', valueText: 'high' })
    expect(edges.find((x) => x.source === 'new-fill')!.data.when).toBeNull()
  })

  it('before the end node when nothing (or the end) is selected', () => {
    const { c, id } = chain()
    const nodes = add(c, 'approval')
    expect(keys(nodes, insertEdges(nodes, c.edges, 'new-approval', null))).toEqual(['approval→end', 'review→approval', 'submit→review'])
    expect(keys(nodes, insertEdges(nodes, c.edges, 'new-approval', { kind: 'node', id: id('end') }))).toEqual(['approval→end', 'review→approval', 'submit→review'])
  })

  it('a new end is joined only from a selected node, a new submit not at all', () => {
    const { c, id } = chain()
    const withEnd = add(c, 'end')
    expect(keys(withEnd, insertEdges(withEnd, c.edges, 'new-end', { kind: 'node', id: id('review') }))).toEqual(['review→end', 'review→end2', 'submit→review'])
    expect(insertEdges(withEnd, c.edges, 'new-end', null)).toEqual(c.edges)
    const withSubmit = add(c, 'submit')
    expect(insertEdges(withSubmit, c.edges, 'new-submit', { kind: 'node', id: id('review') })).toEqual(c.edges)
  })
})
