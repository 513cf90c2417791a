import { describe, expect, it } from 'vitest'
import type { WorkflowDefinition } from '@/api/contract'
import { conditionValue, metaOf, newNode, serverErrorTarget, toCanvas, toDefinition } from './designerModel'

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
