// A script-fed variable's list: a spinner while the command runs, a clear error with "try
// again" when it fails, the options once it answers.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { ApiError } from '@/api/problem'
import type { FormField } from '@/api/contract'
import VariableInput from './VariableInput.vue'

const ops = vi.hoisted(() => ({ variables: { options: vi.fn() } }))
vi.mock('@/api/ops', () => ops)

const branch: FormField = { name: 'GitBranch', label: 'Branch', multiple: false, required: true, secret: false, source: 'script', default: null, options: null }

function mountIt(field: FormField) {
  return mount(VariableInput, { props: { field, modelValue: '' }, global: { plugins: [i18n, ElementPlus] } })
}

describe('VariableInput', () => {
  beforeEach(() => {
    setLocale('en')
    vi.clearAllMocks()
  })

  it('shows a spinner while a script-fed list loads, then an error with “try again”', async () => {
    let fail: (e: unknown) => void = () => {}
    ops.variables.options.mockReturnValueOnce(new Promise((_, rej) => (fail = rej)))
    const w = mountIt(branch)
    await flushPromises()
    expect(w.find('[data-testid="var-GitBranch-loading"]').text()).toContain('Running the variable script')
    fail(new ApiError(422, { detail: 'the command timed out after 5 s' }))
    await flushPromises()
    expect(w.find('[data-testid="var-GitBranch-loading"]').exists()).toBe(false)
    const err = w.get('[data-testid="var-GitBranch-error"]')
    expect(err.text()).toContain('Could not load the options of Branch')
    expect(err.text()).toContain('the command timed out after 5 s')
    ops.variables.options.mockResolvedValueOnce({ name: 'GitBranch', source: 'script', options: [{ value: 'main', label: 'main' }], fetched_at: null, cached: false })
    await err.get('button').trigger('click')
    await flushPromises()
    expect(ops.variables.options).toHaveBeenCalledTimes(2)
    expect(w.find('[data-testid="var-GitBranch-error"]').exists()).toBe(false)
  })

  it('uses a template’s admin-defined choices without asking the server', async () => {
    const w = mountIt({ ...branch, name: 'ExecMode', source: 'choices', options: [{ value: 'normal', label: 'normal' }] })
    await flushPromises()
    expect(ops.variables.options).not.toHaveBeenCalled()
    expect(w.find('[data-testid="var-ExecMode-error"]').exists()).toBe(false)
  })
})
