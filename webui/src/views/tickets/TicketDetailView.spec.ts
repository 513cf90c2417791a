// The ticket page against spec-shaped tickets: approve without a comment, reject only with a
// reason, the fill form built from the node's fields (checked before sending, server errors next
// to the field, nothing typed lost).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n, setLocale } from '@/i18n'
import { ApiError } from '@/api/problem'
import type { Ticket } from '@/api/contract'
import TicketDetailView from './TicketDetailView.vue'

const ops = vi.hoisted(() => ({
  tickets: {
    get: vi.fn(),
    approve: vi.fn(),
    reject: vi.fn(),
    fill: vi.fn(),
    evaluate: vi.fn(),
    execute: vi.fn(),
    retry: vi.fn(),
    withdraw: vi.fn(),
    transfer: vi.fn(),
    comment: vi.fn(),
    returnTo: vi.fn(),
  },
  workflows: { version: vi.fn() },
  templates: { get: vi.fn() },
  services: { get: vi.fn(() => Promise.resolve({ name: '环境变更' })) },
  executions: { get: vi.fn(), log: vi.fn(), cancel: vi.fn() },
}))
vi.mock('@/api/ops', () => ops)

const user = (u: string) => ({ username: u, display_name: u })

function ticket(over: Partial<Ticket>): Ticket {
  return {
    id: 12,
    sn: 'CHG-20261121-0001',
    title: '更换 app01 过保服务器',
    status: 'in_progress',
    service_id: 1,
    template_id: null,
    workflow_id: 2,
    workflow_version_id: 2,
    workflow_version: 1,
    business: 'app01',
    environment: null,
    purpose: null,
    service_name: '环境变更',
    catalog_path: [],
    template_name: null,
    environment_key: null,
    environment_name: null,
    environment_protected: false,
    execution_result: null,
    creator: user('ops'),
    fields: { reason: '服务器已服役 5 年' },
    variables: {},
    planned_start: null,
    planned_end: null,
    conflicts: [],
    freezes: [],
    nodes: [
      { key: 'submit', name: '变更申请', type: 'submit' },
      { key: 'review', name: '变更审核', type: 'approval' },
      { key: 'operate', name: '变更操作与总结', type: 'fill' },
      { key: 'end', name: '结束', type: 'end' },
    ],
    current_nodes: [
      {
        key: 'review',
        name: '变更审核',
        type: 'approval',
        entered_at: '2026-11-21T06:00:00Z',
        assignees: [{ username: 'lead', display_name: 'Lead', state: 'pending' }],
        rule: 'any',
        fields: [],
        readonly_fields: [],
      },
    ],
    allowed_actions: ['approve', 'reject', 'comment'],
    steps: [
      { id: 1, node: 'submit', node_name: '变更申请', action: 'submit', actor: 'ops', actor_name: 'Ops', comment: '', fields: { reason: '服务器已服役 5 年' }, detail: null, at: '2026-11-21T06:00:00Z' },
    ],
    executions: [],
    created_at: '2026-11-21T06:00:00Z',
    updated_at: '2026-11-21T06:00:00Z',
    finished_at: null,
    version: 3,
    ...over,
  }
}

async function mountAt(t: Ticket) {
  ops.tickets.get.mockResolvedValue(t)
  ops.workflows.version.mockRejectedValue(new ApiError(404, null))
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/tickets/:id', name: 'ticket', component: TicketDetailView },
      { path: '/executions/:id', name: 'execution', component: { template: '<div />' } },
    ],
  })
  await router.push('/tickets/12')
  await router.isReady()
  const w = mount(TicketDetailView, {
    attachTo: document.body,
    global: {
      plugins: [createPinia(), i18n, ElementPlus, router],
      stubs: { FlowGraph: { template: '<div data-testid="flow-graph" />' } },
    },
  })
  await flushPromises()
  return w
}

/** Element Plus shows a form item's message 100 ms after it turns to error. */
async function settle() {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 150))
}

const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)

/** The page says `en` (in English) and, once the user switches to Chinese, `zh` instead. */
async function expectWordedIn(en: string, zh: string) {
  expect(document.body.textContent).toContain(en)
  setLocale('zh-CN')
  await flushPromises()
  expect(document.body.textContent).toContain(zh)
  expect(document.body.textContent).not.toContain(en)
}

/** Clicks "approve" and confirms it in the dialog. */
async function approve(w: Awaited<ReturnType<typeof mountAt>>) {
  await w.get('[data-testid="action-approve"]').trigger('click')
  await flushPromises()
  byTestId('action-confirm')!.click()
  await flushPromises()
}

describe('TicketDetailView', () => {
  beforeEach(() => {
    setLocale('en')
    vi.clearAllMocks()
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('shows where the ticket waits and who may act', async () => {
    const w = await mountAt(ticket({}))
    expect(w.get('[data-testid="ticket-title"]').text()).toContain('CHG-20261121-0001')
    expect(w.get('[data-testid="ticket-current"]').text()).toContain('变更审核')
    expect(w.get('[data-testid="ticket-current"]').text()).toContain('lead')
    expect(w.get('[data-testid="ticket-fields"]').text()).toContain('服务器已服役 5 年')
    expect(w.find('[data-testid="action-approve"]').exists()).toBe(true)
    expect(w.find('[data-testid="action-withdraw"]').exists()).toBe(false)
    w.unmount()
  })

  it('words a load error in the language chosen now, not the one it arrived in', async () => {
    ops.tickets.get.mockRejectedValue(new ApiError(404, { status: 404, code: 'ticket.not_found', params: { id: 12 }, detail: 'no ticket with id 12' }))
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/tickets/:id', name: 'ticket', component: TicketDetailView }] })
    await router.push('/tickets/12')
    await router.isReady()
    const w = mount(TicketDetailView, { attachTo: document.body, global: { plugins: [createPinia(), i18n, ElementPlus, router] } })
    await flushPromises()
    await expectWordedIn('No ticket with id 12.', '没有 ID 为 12 的工单。')
    w.unmount()
  })

  it('words the "someone acted meanwhile" notice from the problem code, in the current language', async () => {
    const w = await mountAt(ticket({}))
    ops.tickets.approve.mockRejectedValue(new ApiError(409, { status: 409, code: 'ticket.changed', detail: 'the ticket changed (version 4, you sent 3)' }))
    await approve(w)
    expect(document.body.textContent).not.toContain('you sent 3')
    await expectWordedIn('The ticket was changed by someone else; reload and try again.', '工单已被他人修改，请刷新后重试。')
    w.unmount()
  })

  it('approves without a comment, sending the version it showed', async () => {
    const w = await mountAt(ticket({}))
    ops.tickets.approve.mockResolvedValue(ticket({ status: 'in_progress', allowed_actions: ['comment'] }))
    await approve(w)
    expect(ops.tickets.approve).toHaveBeenCalledWith(12, { version: 3 })
    w.unmount()
  })

  it('rejects only with a reason: the button stays disabled until one is typed', async () => {
    const w = await mountAt(ticket({}))
    await w.get('[data-testid="action-reject"]').trigger('click')
    await flushPromises()
    const confirm = byTestId('action-confirm') as HTMLButtonElement
    expect(confirm.disabled).toBe(true)
    const reason = byTestId('reject-reason') as HTMLTextAreaElement
    reason.value = '   '
    reason.dispatchEvent(new Event('input'))
    await flushPromises()
    expect(confirm.disabled).toBe(true)
    reason.value = '与大促冲突'
    reason.dispatchEvent(new Event('input'))
    await flushPromises()
    expect(confirm.disabled).toBe(false)
    ops.tickets.reject.mockResolvedValue(ticket({ status: 'rejected', current_nodes: [], allowed_actions: ['comment'] }))
    confirm.click()
    await flushPromises()
    expect(ops.tickets.reject).toHaveBeenCalledWith(12, { reason: '与大促冲突', version: 3 })
    w.unmount()
  })

  it('builds the fill form from the node’s fields, checks it, and keeps what was typed on a server error', async () => {
    const fillTicket = ticket({
      current_nodes: [
        {
          key: 'operate',
          name: '变更操作与总结',
          type: 'fill',
          entered_at: '2026-11-21T07:00:00Z',
          assignees: [{ username: 'ops', display_name: 'Ops', state: 'pending' }],
          rule: 'any',
          fields: [
            { key: 'summary', label: '变更总结', type: 'text', required: true },
            { key: 'hosts', label: 'Hosts replaced', type: 'number', required: false },
          ],
          readonly_fields: [],
        },
      ],
      allowed_actions: ['fill', 'comment'],
    })
    const w = await mountAt(fillTicket)
    expect(w.find('[data-testid="step-form"]').text()).toContain('变更总结')
    // Nothing typed: the required field says so, and nothing is sent.
    await w.get('[data-testid="action-fill"]').trigger('click')
    await flushPromises()
    expect(ops.tickets.fill).not.toHaveBeenCalled()
    await settle()
    expect(w.get('[data-testid="step-field-item-summary"]').text()).toContain('Required')

    const summary = w.get('[data-testid="step-field-summary"]')
    await summary.setValue('3 台已替换')
    ops.tickets.fill.mockRejectedValueOnce(
      new ApiError(422, { title: 'Unprocessable', detail: 'fields.summary: too short', errors: [{ field: 'fields.summary', message: 'too short' }] }),
    )
    await w.get('[data-testid="action-fill"]').trigger('click')
    await flushPromises()
    expect(ops.tickets.fill).toHaveBeenCalledWith(12, { fields: { summary: '3 台已替换' }, version: 3 })
    await settle()
    expect(w.get('[data-testid="step-field-item-summary"]').text()).toContain('too short')
    expect((w.get('[data-testid="step-field-summary"]').element as HTMLTextAreaElement).value).toBe('3 台已替换')
    w.unmount()
  })
})
