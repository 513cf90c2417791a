// The first day of a real ops team, walked through as the demo roles: what an approver sees on
// a ticket ops executed (no retries of what cannot be read, no polling of finished things),
// names instead of "#1", required marks that go once a value is picked, no complaint before
// anything was typed, errors in the language the user picked, no workflow version chosen for a
// new service, on a phone the submitted values before the flow graph, and a confirmation of what
// will run before anything runs in a protected environment (from the ticket page and from
// "submit and execute").
import assert from 'node:assert/strict'
import { apiCall, apiLogin, expectCount, expectText, pickOptions, signIn, switchLanguage, until } from './helpers.mjs'

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }

/** Requests the page makes whose path matches `re`, as "METHOD path?query". */
function recordRequests(page, re) {
  const seen = []
  page.on('request', (r) => {
    const u = new URL(r.url())
    if (re.test(u.pathname)) seen.push(`${r.method()} ${u.pathname}${u.search}`)
  })
  return seen
}

/**
 * Lets a minute pass on the page's fake clock (every timer due in it fires), then makes sure
 * every request those timers started has been sent: a request of our own, sent after them, has
 * been seen.
 */
async function letAMinutePass(page) {
  await page.clock.runFor(60_000)
  const marker = `/healthz?after-minute=${Date.now()}`
  let seen = false
  const onRequest = (r) => {
    if (r.url().endsWith(marker)) seen = true
  }
  page.on('request', onRequest)
  await page.evaluate((m) => fetch(m).then((r) => r.text()), marker)
  await until('the marker request', () => seen)
  page.off('request', onRequest)
}

/** A "Deploy app01" ticket (PROD) submitted by ops, approved by lead and lead2, executed by ops. */
async function executedDeploy(baseURL, users, title) {
  const ops = await apiLogin(baseURL, users.ops)
  const tpl = (await apiCall(baseURL, ops, 'GET', '/templates?limit=200')).items.find((x) => x.name === 'Deploy app01')
  const t = await apiCall(baseURL, ops, 'POST', '/tickets', {
    template_id: tpl.id,
    title,
    variables: { AnsibleHosts: ['host1'], ExecMode: 'normal' },
  })
  for (const who of [users.lead, users.lead2]) {
    const token = await apiLogin(baseURL, who)
    await apiCall(baseURL, token, 'POST', `/tickets/${t.id}/approve`, {})
  }
  // Executing in a protected environment needs an explicit confirmation.
  const env = await apiCall(baseURL, ops, 'GET', '/environments/PROD')
  await apiCall(baseURL, ops, 'POST', `/tickets/${t.id}/execute`, env.protected ? { confirm: true } : {})
  const done = await until(
    'the execution to finish',
    async () => {
      const tk = await apiCall(baseURL, ops, 'GET', `/tickets/${t.id}`)
      return tk.status === 'finished' ? tk : null
    },
    { timeout: 60_000, interval: 300 },
  )
  return done
}

export async function approverOpensExecutedTicket({ newPage, users, baseURL, screenshot, uniq }) {
  const title = uniq('Deploy app01 first day ')
  const tk = await executedDeploy(baseURL, users, title)
  const execId = tk.executions.at(-1).id

  for (const approver of [users.lead, users.lead2]) {
    const page = await newPage()
    await page.clock.install()
    await signIn(page, approver)
    const asked = recordRequests(page, /^\/api\/v1\/(executions|services|tickets|templates)\//)
    await page.goto(`/tickets/${tk.id}`)
    // The approver reads what ran: the result and the log, no error.
    const viewer = page.getByTestId('log-viewer')
    await viewer.locator(`[data-testid="execution-result"]`).waitFor()
    await expectText(page.getByTestId('log-output'), /\S/)
    await expectCount(page.locator('.el-alert--error'), 0)
    assert.doesNotMatch(await page.locator('body').innerText(), /no execution with id/)
    await screenshot(`${approver.username}-executed-ticket`, page)
    const before = asked.length
    assert.ok(asked.filter((r) => r.startsWith(`GET /api/v1/executions/${execId}?`) || r === `GET /api/v1/executions/${execId}`).length <= 1, `asked once: ${asked.join(', ')}`)
    assert.equal(asked.filter((r) => r.includes('/services/')).length, 0, `no service fetch: ${asked.join(', ')}`)

    // A finished ticket with a finished run is not asked for again, however long it stays open.
    await letAMinutePass(page)
    assert.deepEqual(asked.slice(before), [], 'nothing was asked again')
  }
}

export async function refusedExecutionIsNotPolled({ page, users, baseURL, screenshot, uniq }) {
  // product neither submitted nor approved this ticket: the execution is not theirs to read.
  const tk = await executedDeploy(baseURL, users, uniq('Deploy app01 not yours '))
  const execId = tk.executions.at(-1).id
  await page.clock.install()
  await signIn(page, users.product)
  const asked = recordRequests(page, /^\/api\/v1\/executions\//)
  await page.goto(`/executions/${execId}`)
  const alert = page.getByTestId('log-viewer').locator('.el-alert--error')
  await alert.waitFor()
  // Said once, with no spinning empty log under it.
  await expectCount(page.getByTestId('log-viewer').locator('.el-alert'), 1)
  await expectCount(page.getByTestId('log-output'), 0)
  await screenshot('refused')
  const before = asked.length
  await letAMinutePass(page)
  assert.deepEqual(asked.slice(before), [], `no request after the refusal (before: ${asked.join(', ')})`)
}

export async function serviceNameForNonSubmitters({ page, users, baseURL, uniq }) {
  const ops = await apiLogin(baseURL, users.ops)
  const svc = (await apiCall(baseURL, ops, 'GET', '/services')).items.find((s) => s.name === '环境变更')
  const t = await apiCall(baseURL, ops, 'POST', '/tickets', {
    service_id: svc.id,
    title: uniq('名称 '),
    business: 'app01',
    fields: { reason: '巡检', scope: 'app01', window: ['2026-11-28T18:00:00Z', '2026-11-28T20:00:00Z'] },
  })
  // lead reviews it but may not submit the service: the name comes with the ticket.
  await signIn(page, users.lead)
  const asked = recordRequests(page, /^\/api\/v1\/services\//)
  await page.goto(`/tickets/${t.id}`)
  await expectText(page.getByTestId('ticket-service'), '环境变更')
  assert.deepEqual(asked, [])
}

export async function requiredMarkGoesWhenPicked({ page, users }) {
  await signIn(page, users.ops)
  await switchLanguage(page, 'zh-CN')
  await page.goto('/submit?env=STAGE')
  await page.locator('[data-testid^="template-card-"][data-name="Restart app01 - STAGE"]').click()
  const drawer = page.getByTestId('submit-drawer')
  await drawer.getByTestId('submit-execute-button').click()
  const item = drawer.getByTestId('var-item-AnsibleHosts')
  await expectText(item.locator('.el-form-item__error'), '必填')
  await pickOptions(page, drawer.getByTestId('var-AnsibleHosts'), ['host1'], { multiple: true })
  await expectCount(item.locator('.el-form-item__error'), 0)
}

export async function newTemplateStartsWithoutComplaint({ page, users }) {
  await signIn(page, users.admin)
  await switchLanguage(page, 'zh-CN')
  await page.goto('/admin/templates')
  await page.getByTestId('template-new').click()
  const drawer = page.getByTestId('template-drawer')
  const command = drawer.getByTestId('template-command')
  await command.waitFor()
  await expectCount(drawer.getByTestId('command-problem'), 0)
  // A problem shows once there is one, in the user's language.
  await command.fill('echo a; rm -rf /')
  await expectText(drawer.getByTestId('command-problem'), 'shell 操作符')
  await command.fill('')
  await expectText(drawer.getByTestId('command-problem'), '命令为空')
}

export async function loginErrorFollowsLanguage({ page, users }) {
  await page.goto('/login')
  await switchLanguage(page, 'en')
  await page.getByTestId('login-username').fill(users.ops.username)
  await page.getByTestId('login-password').fill('not the password')
  await page.getByTestId('login-submit').click()
  const err = page.getByTestId('login-error')
  await expectText(err, /Wrong username or password|Too many attempts/)
  await switchLanguage(page, 'zh-CN')
  await expectText(err, /用户名或密码错误|尝试次数过多|过于频繁/)
  assert.doesNotMatch(await err.innerText(), /[A-Za-z]{4,}/)
  // The form's own checks follow the language too.
  await page.getByTestId('login-username').fill('')
  await page.getByTestId('login-submit').click()
  const check = page.locator('.el-form-item__error').first()
  await expectText(check, '请输入用户名')
  await switchLanguage(page, 'en')
  await expectText(check, /username/i)
}

export async function newServiceChoosesNoWorkflow({ page, users }) {
  await signIn(page, users.admin)
  await page.goto('/admin/catalog')
  await page.getByTestId('service-new').click()
  const dialog = page.getByTestId('service-dialog')
  const version = dialog.getByTestId('service-version')
  await version.waitFor()
  await expectText(version, 'Pick the workflow version')
  await dialog.getByTestId('service-name').fill('x')
}

export async function phoneShowsValuesBeforeTheFlow({ newPage, users, baseURL, uniq, screenshot }) {
  const ops = await apiLogin(baseURL, users.ops)
  const svc = (await apiCall(baseURL, ops, 'GET', '/services')).items.find((s) => s.name === '环境变更')
  const t = await apiCall(baseURL, ops, 'POST', '/tickets', {
    service_id: svc.id,
    title: uniq('手机审批 '),
    business: 'app01',
    fields: { reason: '扩容', scope: 'app01 两台主机', window: ['2026-11-29T18:00:00Z', '2026-11-29T20:00:00Z'] },
  })
  const phone = await newPage(PHONE)
  await signIn(phone, users.lead)
  await phone.goto(`/tickets/${t.id}`)
  const fields = phone.getByTestId('ticket-fields')
  await expectText(fields, 'app01 两台主机')
  await phone.getByTestId('ticket-flow').waitFor()
  const f = await fields.boundingBox()
  const g = await phone.getByTestId('ticket-flow').boundingBox()
  assert.ok(f.y < g.y, `the fields (y=${f.y}) come before the flow (y=${g.y})`)
  assert.ok(f.y < 844, `the fields start on the first screen (y=${f.y})`)
  await screenshot('phone-approver', phone)
}

export async function protectedRunAsksFirst({ page, users, baseURL, uniq, screenshot }) {
  // An approved "Deploy app01" in PROD, the protected environment.
  const ops = await apiLogin(baseURL, users.ops)
  const tpl = (await apiCall(baseURL, ops, 'GET', '/templates?limit=200')).items.find((x) => x.name === 'Deploy app01')
  const t = await apiCall(baseURL, ops, 'POST', '/tickets', { template_id: tpl.id, title: uniq('PROD 确认 '), variables: { AnsibleHosts: ['host2'], ExecMode: 'normal' } })
  for (const who of [users.lead, users.lead2]) await apiCall(baseURL, await apiLogin(baseURL, who), 'POST', `/tickets/${t.id}/approve`, {})

  await signIn(page, users.ops)
  await switchLanguage(page, 'zh-CN')
  const posted = []
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/tickets\/\d+\/execute$/.test(new URL(r.url()).pathname)) posted.push(r.postDataJSON())
  })
  await page.goto(`/tickets/${t.id}`)
  await page.getByTestId('action-execute').click()
  // One click starts nothing: the dialog shows what would run, where, on which hosts.
  const dialog = page.getByTestId('execute-confirm')
  await expectText(dialog.getByTestId('execute-confirm-env'), 'PROD')
  await expectText(dialog.getByTestId('execute-confirm-hosts'), 'host2')
  await expectText(dialog.getByTestId('execute-confirm-argv'), /-i host2/)
  await dialog.locator('[data-testid="execute-confirm-ok"]:disabled').waitFor()
  assert.deepEqual(posted, [], 'nothing was executed before the confirmation')
  await screenshot('confirm-prod')
  await dialog.getByTestId('execute-confirm-input').fill('STAGE')
  await dialog.locator('[data-testid="execute-confirm-ok"]:disabled').waitFor()
  await dialog.getByTestId('execute-confirm-input').fill('PROD')
  await dialog.locator('[data-testid="execute-confirm-ok"]:enabled').click()
  await page.getByTestId('log-viewer').locator('[data-testid="execution-result"]').waitFor({ timeout: 60_000 })
  assert.equal(posted.length, 1)
  assert.equal(posted[0].confirm, true)
}

/**
 * A new environment (protected or not) with a task template without approval in it, which ops
 * may submit and execute at once. Returns {env, tpl}.
 */
async function directTemplateIn(baseURL, users, uniq, { protect }) {
  const admin = await apiLogin(baseURL, users.admin)
  const env = await apiCall(baseURL, admin, 'POST', '/environments', { key: uniq('P'), name: uniq('保护环境 '), protected: protect })
  const tpl = await apiCall(baseURL, admin, 'POST', '/templates', {
    name: uniq('Direct deploy '),
    environment: env.key,
    purpose: 'DeployDocker',
    command: `sh -c 'echo deploying to {AnsibleHosts}'`,
    variables: [{ name: 'AnsibleHosts', required: true }],
    submit_roles: ['ops'],
  })
  return { env, tpl }
}

/** Opens the submit form of `tpl` as the signed-in user and picks host3. */
async function openSubmitForm(page, env, tpl) {
  await page.goto(`/submit?env=${encodeURIComponent(env.key)}`)
  await page.getByTestId(`template-card-${tpl.id}`).click()
  const drawer = page.getByTestId('submit-drawer')
  await pickOptions(page, drawer.getByTestId('var-AnsibleHosts'), ['host3'], { multiple: true })
  return drawer
}

/** POST /tickets bodies the page sends. */
function recordSubmissions(page) {
  const posted = []
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets') posted.push(r.postDataJSON())
  })
  return posted
}

export async function submitAndExecuteInProtectedEnvAsksFirst({ page, users, baseURL, uniq, screenshot }) {
  const { env, tpl } = await directTemplateIn(baseURL, users, uniq, { protect: true })
  await signIn(page, users.ops)
  await switchLanguage(page, 'zh-CN')
  const posted = recordSubmissions(page)
  const drawer = await openSubmitForm(page, env, tpl)
  await drawer.getByTestId('submit-execute-button').click()
  // Nothing is sent before the confirmation, which shows what would run, where and on what.
  const dialog = page.getByTestId('execute-confirm')
  await expectText(dialog.getByTestId('execute-confirm-env'), env.key)
  await expectText(dialog.getByTestId('execute-confirm-hosts'), 'host3')
  await expectText(dialog.getByTestId('execute-confirm-argv'), /deploying to host3/)
  await dialog.locator('[data-testid="execute-confirm-ok"]:disabled').waitFor()
  await screenshot('submit-confirm-protected')
  assert.deepEqual(posted, [], 'nothing was submitted before the confirmation')
  // Cancelling sends nothing and keeps the form.
  await dialog.getByTestId('execute-confirm-cancel').click()
  await dialog.waitFor({ state: 'hidden' })
  await drawer.getByTestId('submit-execute-button').waitFor()
  assert.deepEqual(posted, [], 'a cancelled confirmation submits nothing')
  // Confirmed: one submission, with the confirmation, and the live log.
  await drawer.getByTestId('submit-execute-button').click()
  await dialog.getByTestId('execute-confirm-input').fill(env.key)
  await dialog.locator('[data-testid="execute-confirm-ok"]:enabled').click()
  await page.getByTestId('log-viewer').locator('[data-testid="execution-result"]').waitFor({ timeout: 60_000 })
  assert.equal(posted.length, 1)
  assert.equal(posted[0].execute, true)
  assert.equal(posted[0].confirm, true)
}

export async function submitAndExecuteWhenEnvBecameProtected({ page, users, baseURL, uniq }) {
  const { env, tpl } = await directTemplateIn(baseURL, users, uniq, { protect: false })
  await signIn(page, users.ops)
  await switchLanguage(page, 'zh-CN')
  const posted = recordSubmissions(page)
  const drawer = await openSubmitForm(page, env, tpl)
  // The page was loaded while the environment was not protected; now it is.
  const admin = await apiLogin(baseURL, users.admin)
  await apiCall(baseURL, admin, 'PATCH', `/environments/${env.key}`, { protected: true })
  await drawer.getByTestId('submit-execute-button').click()
  // The server's refusal brings up the confirmation instead of an error.
  const dialog = page.getByTestId('execute-confirm')
  await expectText(dialog.getByTestId('execute-confirm-env'), env.key)
  await expectText(dialog.getByTestId('execute-confirm-hosts'), 'host3')
  assert.equal(await drawer.getByTestId('submit-error').count(), 0, 'no error is shown for the refusal')
  assert.equal(posted.length, 1)
  assert.equal(posted[0].confirm, undefined)
  const ops = await apiLogin(baseURL, users.ops)
  const mine = (await apiCall(baseURL, ops, 'GET', '/tickets?view=mine&limit=50')).items
  assert.ok(!mine.some((t) => t.title.startsWith(tpl.name)), 'the refused submission created no ticket')
  await dialog.getByTestId('execute-confirm-input').fill(env.key)
  await dialog.locator('[data-testid="execute-confirm-ok"]:enabled').click()
  await page.getByTestId('log-viewer').locator('[data-testid="execution-result"]').waitFor({ timeout: 60_000 })
  assert.equal(posted.length, 2)
  assert.equal(posted[1].confirm, true)
}

export async function cancelledRunReadsCancelled({ page, users, baseURL, uniq }) {
  const admin = await apiLogin(baseURL, users.admin)
  const name = uniq('Slow STAGE task ')
  const tpl = await apiCall(baseURL, admin, 'POST', '/templates', {
    name,
    environment: 'STAGE',
    purpose: 'DeployDocker',
    command: `sh -c 'echo started on {AnsibleHosts}; sleep 30'`,
    variables: [{ name: 'AnsibleHosts', required: true }],
    submit_roles: ['ops'],
    timeout_s: 120,
  })
  const ops = await apiLogin(baseURL, users.ops)
  const tk = await apiCall(baseURL, ops, 'POST', '/tickets', { template_id: tpl.id, title: uniq('取消 '), variables: { AnsibleHosts: ['host1'] }, execute: true })
  const running = await until('the run to start', async () => (await apiCall(baseURL, ops, 'GET', `/tickets/${tk.id}`)).executions.at(-1))
  await apiCall(baseURL, ops, 'POST', `/executions/${running.id}/cancel`)
  await until('the ticket to settle', async () => (await apiCall(baseURL, ops, 'GET', `/tickets/${tk.id}`)).status === 'failed', { timeout: 30_000 })

  await signIn(page, users.ops)
  await switchLanguage(page, 'zh-CN')
  await page.goto(`/tickets/${tk.id}`)
  const status = page.locator('[data-testid="ticket-status"][data-result="cancelled"]')
  await expectText(status, '执行已取消')
  assert.doesNotMatch(await status.innerText(), /执行失败|失败/)
  await expectText(page.getByTestId('ticket-timeline').locator('[data-ended="cancelled"]'), '执行已取消')
  await expectText(page.getByTestId('execution-result'), '已取消')
}

export async function submitterSeesRejectionNotice({ page, users, baseURL, uniq }) {
  const ops = await apiLogin(baseURL, users.ops)
  const svc = (await apiCall(baseURL, ops, 'GET', '/services')).items.find((s) => s.name === '环境变更')
  const title = uniq('被驳回 ')
  const t = await apiCall(baseURL, ops, 'POST', '/tickets', {
    service_id: svc.id,
    title,
    business: 'app01',
    fields: { reason: '扩容', scope: 'app01', window: ['2026-11-28T18:00:00Z', '2026-11-28T20:00:00Z'] },
  })
  const lead = await apiLogin(baseURL, users.lead)
  await apiCall(baseURL, lead, 'POST', `/tickets/${t.id}/reject`, { reason: '请补充回滚方案' })

  await signIn(page, users.ops)
  await switchLanguage(page, 'zh-CN')
  const notice = page.getByTestId('notices').locator('[data-testid="notice-ticket.rejected"]', { hasText: title })
  await expectText(notice, '请补充回滚方案')
  await expectText(notice, '已驳回')
}

export async function problemsInTheUserLanguage({ page, users, baseURL }) {
  await signIn(page, users.ops)
  await switchLanguage(page, 'zh-CN')
  // The account remembers the language (emails use it).
  const token = await apiLogin(baseURL, users.ops)
  await until('the locale to be saved', async () => (await apiCall(baseURL, token, 'GET', '/me')).locale === 'zh-CN')
  await page.goto('/tickets/999999')
  const alert = page.locator('.el-alert--error')
  await expectText(alert, '没有 ID 为 999999 的工单')
  assert.doesNotMatch(await alert.innerText(), /no ticket/i)
  await switchLanguage(page, 'en')
  await until('the locale to be saved', async () => (await apiCall(baseURL, token, 'GET', '/me')).locale === 'en')
  // The message on the page follows the switch, without a reload.
  await expectText(alert, 'No ticket with id 999999')
  assert.doesNotMatch(await alert.innerText(), /没有 ID/)
}
