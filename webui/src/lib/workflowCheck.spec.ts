import { describe, expect, it } from 'vitest'
import { checkWorkflow, type CheckDraft } from './workflowCheck'

const change: CheckDraft = {
  name: '环境变更',
  business_required: true,
  nodes: [
    { key: 'submit', name: '变更申请', type: 'submit', operators: { business_roles: ['ops'] }, fields: [{ key: 'reason', type: 'text' }, { key: 'scope', type: 'string' }, { key: 'window', type: 'datetime' }] },
    { key: 'review', name: '变更审核', type: 'approval', operators: { business_roles: ['ops_lead'] }, rule: 'any' },
    { key: 'summary', name: '变更操作及总结', type: 'fill', operators: { business_roles: ['ops'] }, fields: [{ key: 'summary', type: 'text' }] },
    { key: 'qc', name: '变更评估', type: 'evaluate', operators: { business_roles: ['qc'] }, fields: [{ key: 'evaluation', type: 'select', options: ['ok', 'bad'] }] },
    { key: 'end', name: '结束', type: 'end' },
  ],
  transitions: [],
}
const codes = (d: CheckDraft) => checkWorkflow(d).map((p) => p.code)

describe('workflow checks before deploy', () => {
  it('accepts the environment-change flow (nodes in order)', () => {
    expect(checkWorkflow(change)).toEqual([])
  })
  it('asks for one submit, an end, operators where someone acts, unique keys', () => {
    const d: CheckDraft = {
      name: ' ',
      nodes: [
        { key: 'a', type: 'approval' },
        { key: 'a', type: 'fill', fields: [{ key: 'x', type: 'select' }] },
        { key: '1bad', type: 'execute', fields: [{ key: 'x', type: 'string' }] },
      ],
    }
    expect(codes(d)).toEqual(
      expect.arrayContaining(['name', 'noOperators', 'nodeKeyDup', 'fieldOptions', 'nodeKey', 'fieldsHere', 'fieldKeyDup', 'oneSubmit', 'noEnd']),
    )
  })
  it('follows explicit transitions: unreachable nodes, dead ends, bad edges, conditions', () => {
    const d: CheckDraft = {
      ...change,
      transitions: [
        { from: 'submit', to: 'review' },
        { from: 'review', to: 'end', when: { field: 'nope', op: '==', value: 1 } },
        { from: 'review', to: 'summary', when: { field: 'reason', op: 'in', value: 'x' } },
        { from: 'end', to: 'submit' },
        { from: 'qc', to: 'ghost' },
      ],
    }
    const p = checkWorkflow(d)
    expect(p.map((x) => x.code)).toEqual(
      expect.arrayContaining(['conditionField', 'conditionIn', 'fromEnd', 'intoSubmit', 'transitionNodes', 'unreachable', 'noWayToEnd']),
    )
    expect(p.find((x) => x.code === 'unreachable')?.node).toBe('qc')
    expect(p.find((x) => x.code === 'noWayToEnd')?.node).toBe('summary')
  })
  it('business roles need a business; at_least needs N ≥ 1', () => {
    const d: CheckDraft = { ...change, business_required: false, nodes: change.nodes.map((n) => (n.key === 'review' ? { ...n, rule: { at_least: 0 } } : n)) }
    expect(codes(d)).toEqual(expect.arrayContaining(['businessRoles', 'rule']))
  })
})
