// A change window from the submit form: ops plans a restart in the next minute's window, the
// lead approves, and the ticket waits "scheduled" until the window opens, when the server starts
// it by itself (the timeline says so) and it finishes.
import { apiCall, apiLogin, expectSuccess, pickDateTimeRange, pickOptions, signIn, switchUser, until } from './helpers.mjs'

// The window opens at a whole minute (the picker's precision): at most ~85 s away.
export const timeouts = { startsAtItsWindow: 180_000 }

const pad = (n) => String(n).padStart(2, '0')
const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`

export async function startsAtItsWindow({ page, users, baseURL, screenshot, uniq }) {
  const admin = await apiLogin(baseURL, users.admin)
  const wf = await apiCall(baseURL, admin, 'POST', '/workflows', {
    name: uniq('窗口审核 '),
    type: 'request',
    nodes: [
      { key: 'submit', name: 'Submit', type: 'submit', operators: { submitter: true } },
      { key: 'review', name: 'Review', type: 'approval', operators: { users: ['lead'] }, rule: 'any' },
      { key: 'execute', name: 'Execute', type: 'execute', operators: { submitter: true } },
      { key: 'end', name: 'End', type: 'end' },
    ],
  })
  await apiCall(baseURL, admin, 'POST', `/workflows/${wf.id}/deploy`)
  const name = uniq('Nightly restart ')
  await apiCall(baseURL, admin, 'POST', '/templates', {
    name,
    environment: 'STAGE',
    purpose: 'DeployDocker',
    command: "sh -c 'echo restarted {AnsibleHosts}'",
    variables: [{ name: 'AnsibleHosts', required: true }],
    workflow_id: wf.id,
    submit_roles: ['ops'],
    timeout_s: 60,
  })

  // The next whole minute at least 25 s away, for two minutes.
  const start = new Date(Math.ceil((Date.now() + 25_000) / 60_000) * 60_000)
  const end = new Date(start.getTime() + 2 * 60_000)

  await signIn(page, users.ops)
  await page.goto('/submit?env=STAGE')
  await page.locator(`[data-testid^="template-card-"][data-name="${name}"]`).click()
  const drawer = page.getByTestId('submit-drawer')
  await pickOptions(page, drawer.getByTestId('var-AnsibleHosts'), ['host1'], { multiple: true })
  await pickDateTimeRange(page, drawer.getByTestId('submit-window'), local(start), local(end))
  await drawer.getByTestId('submit-button').click()
  await expectSuccess(drawer.getByTestId('submit-result'), drawer.getByTestId('submit-error'), 'submit with a window')
  const ops = await apiLogin(baseURL, users.ops)
  const mine = await apiCall(baseURL, ops, 'GET', '/tickets?view=mine&limit=5')
  const ticket = mine.items.find((t) => t.title.startsWith(name))
  if (!ticket || new Date(ticket.planned_start).getTime() !== start.getTime()) throw new Error(`the ticket's window: ${JSON.stringify(ticket)}`)

  // The lead approves; the ticket waits for its window.
  const lead = await apiLogin(baseURL, users.lead)
  await apiCall(baseURL, lead, 'POST', `/tickets/${ticket.id}/approve`, { comment: '夜间执行' })
  await page.goto(`/tickets/${ticket.id}`)
  await page.locator('[data-testid="ticket-status"][data-status="scheduled"]').waitFor()
  await page.getByTestId('window-scheduled').waitFor()
  await screenshot('scheduled')

  // At the window the server starts it by itself.
  await until(
    'the ticket to run at its window and finish',
    async () => (await apiCall(baseURL, ops, 'GET', `/tickets/${ticket.id}`)).status === 'finished',
    { timeout: 150_000, interval: 1000 },
  )
  const done = await apiCall(baseURL, ops, 'GET', `/tickets/${ticket.id}`)
  if (done.executions.length !== 1) throw new Error(`executions: ${JSON.stringify(done.executions)}`)
  const ranAt = new Date(done.executions[0].queued_at).getTime()
  if (!(ranAt >= start.getTime())) throw new Error(`it ran before its window: ${JSON.stringify(done.executions[0])}`)
  await page.reload()
  await page.locator('[data-testid="ticket-status"][data-status="finished"]').waitFor()
  await page.getByTestId('ticket-timeline').getByTestId('step-scheduled_start').waitFor()
  await screenshot('started-at-the-window')
}

// Before its window opens only an emergency runs a scheduled ticket: whoever holds
// change.emergency runs it from the ticket page with a reason, which the timeline shows.
export async function emergencyRunBeforeTheWindow({ page, users, baseURL, screenshot, uniq }) {
  const admin = await apiLogin(baseURL, users.admin)
  const name = uniq('Hotfix ')
  const tpl = await apiCall(baseURL, admin, 'POST', '/templates', {
    name,
    environment: 'STAGE',
    purpose: 'DeployDocker',
    command: "sh -c 'echo hotfix applied'",
    workflow_id: null,
    timeout_s: 60,
  })
  const start = new Date(Date.now() + 24 * 3600_000)
  const ticket = await apiCall(baseURL, admin, 'POST', '/tickets', {
    template_id: tpl.id,
    title: name,
    execute: true,
    planned_start: start.toISOString(),
    planned_end: new Date(start.getTime() + 3600_000).toISOString(),
  })
  if (ticket.status !== 'scheduled') throw new Error(`submitted: ${JSON.stringify(ticket)}`)

  await signIn(page, users.admin)
  await page.goto(`/tickets/${ticket.id}`)
  await page.locator('[data-testid="ticket-status"][data-status="scheduled"]').waitFor()
  await page.getByTestId('window-emergency').waitFor()
  // The ordinary Execute would be refused before the window: it is not offered.
  if ((await page.getByTestId('action-execute').count()) !== 0) throw new Error('an ordinary Execute is offered before the window')
  await page.getByTestId('window-emergency').click()
  await page.getByTestId('window-emergency-reason').fill('线上故障，需立即修复')
  await screenshot('emergency-reason')
  await page.getByTestId('window-emergency-confirm').click()
  await until('the emergency run to finish', async () => (await apiCall(baseURL, admin, 'GET', `/tickets/${ticket.id}`)).status === 'finished', {
    timeout: 60_000,
    interval: 500,
  })
  const done = await apiCall(baseURL, admin, 'GET', `/tickets/${ticket.id}`)
  const step = done.steps.find((s) => s.action === 'execute')
  if (!step || !String(step.comment).includes('线上故障')) throw new Error(`the execute step: ${JSON.stringify(step)}`)
}

// Two changes planned on one environment at once conflict: each ticket's page lists the other,
// but one its reader may not read only as a planned change, without its title or a link.
export async function conflictsShowOnlyWhatTheReaderMayRead({ page, users, baseURL, screenshot, uniq }) {
  const admin = await apiLogin(baseURL, users.admin)
  const tpl = await apiCall(baseURL, admin, 'POST', '/templates', {
    name: uniq('Cache flush '),
    environment: 'STAGE',
    purpose: 'DeployDocker',
    command: "sh -c 'echo flushed'",
    workflow_id: null,
    submit_roles: ['ops'],
    timeout_s: 60,
  })
  const start = new Date(Date.now() + 3 * 24 * 3600_000)
  const window = (from, minutes) => ({
    planned_start: new Date(start.getTime() + from * 60_000).toISOString(),
    planned_end: new Date(start.getTime() + (from + minutes) * 60_000).toISOString(),
  })
  const secret = uniq('Admin-only migration ')
  const theirs = await apiCall(baseURL, admin, 'POST', '/tickets', { template_id: tpl.id, title: secret, ...window(0, 60) })
  const ops = await apiLogin(baseURL, users.ops)
  const mine = await apiCall(baseURL, ops, 'POST', '/tickets', { template_id: tpl.id, title: uniq('Flush the cache '), ...window(30, 60) })
  try {
    await signIn(page, users.ops)
    await page.goto(`/tickets/${mine.id}`)
    const listed = page.getByTestId('window-conflicts')
    await listed.getByTestId('window-conflict-restricted').waitFor()
    const text = await listed.innerText()
    if (text.includes(secret) || text.includes(theirs.sn)) throw new Error(`the conflict shows a ticket ops may not read: ${text}`)
    if ((await listed.locator('a').count()) !== 0) throw new Error('the restricted conflict links to the ticket')
    await screenshot('restricted-conflict')
    // Whoever may read it sees which ticket it is.
    await switchUser(page, users.admin)
    await page.goto(`/tickets/${mine.id}`)
    await page.getByTestId('window-conflicts').getByTestId(`window-conflict-${theirs.id}`).getByText(secret).waitFor()
  } finally {
    await apiCall(baseURL, admin, 'POST', `/tickets/${theirs.id}/withdraw`, { reason: 'test over' })
    await apiCall(baseURL, ops, 'POST', `/tickets/${mine.id}/withdraw`, { reason: 'test over' })
  }
}
