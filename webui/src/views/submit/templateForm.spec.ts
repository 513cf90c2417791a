import { describe, expect, it } from 'vitest'
import type { FormField } from '@/api/contract'
import { initialValues, missingRequired, variablesPayload } from './templateForm'

const form: FormField[] = [
  { name: 'AnsibleHosts', label: 'Hosts', multiple: true, required: true, secret: false, source: 'static', default: null, options: [] },
  { name: 'Branch', label: 'Branch', multiple: false, required: false, secret: false, source: 'script', default: ['main'], options: null },
  { name: 'Mode', label: 'Execution mode', multiple: false, required: true, secret: false, source: 'choices', default: null, options: [{ value: 'full', label: 'Full' }] },
]

describe('template submit form', () => {
  it('starts from defaults and checks required values', () => {
    const values = initialValues(form)
    expect(values).toEqual({ AnsibleHosts: [], Branch: 'main', Mode: '' })
    expect(missingRequired(form, values)).toEqual(['AnsibleHosts', 'Mode'])
    values.AnsibleHosts = ['host1', 'host3']
    values.Mode = 'full'
    expect(missingRequired(form, values)).toEqual([])
  })
  it('sends lists for multiple choices, strings otherwise, and leaves blanks out', () => {
    expect(variablesPayload(form, { AnsibleHosts: ['host1', 'host3'], Branch: '', Mode: 'full' })).toEqual({
      AnsibleHosts: ['host1', 'host3'],
      Mode: 'full',
    })
    expect(variablesPayload(form, { AnsibleHosts: 'host2', Branch: 'dev', Mode: [] })).toEqual({ AnsibleHosts: ['host2'], Branch: 'dev' })
  })
})
