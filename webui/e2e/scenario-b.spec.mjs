// Scenario B of the demo data (seed 004, the BlueKing-style environment change), click by click,
// each step as the right user, against `orderly serve --demo`:
//   admin checks roles, the business and its members, the workflow "环境变更" on the designer
//   canvas (nodes, fields, operators, notification policy; validate; its deployed version), and
//   the catalog directory "环境变更" holding the service → ops submits a change through the
//   service catalog with reason, scope and time → an email about the pending review is queued
//   for the lead (the outbox) → the lead finds it in the todo list (on a phone) and approves →
//   ops fills in the change summary → QC finds it in the todo list and evaluates → the ticket
//   shows the whole path: every node, who acted, when and what they entered.
import assert from 'node:assert/strict'
import { apiCall, apiLogin, expectCount, expectSuccess, expectText, expectTicketStatus, expectValue, openFromTodo, pickDateTimeRange, pickOptions, signIn, switchUser, ticketIdOf, until } from './helpers.mjs'

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }

export async function scenarioB({ page, users, baseURL, screenshot, uniq, newPage }) {
  // ---- 1. Admin: roles 运维 / QC / 产品, the business and who plays which role in it.
  await signIn(page, users.admin)
  // The Administration group may already be open (a click would then close it).
  const rolesItem = page.getByTestId('menu-admin-roles')
  if (!(await rolesItem.isVisible())) await page.getByTestId('menu-group-admin').click()
  await rolesItem.click()
  const roles = page.getByTestId('role-table')
  for (const key of ['ops', 'ops_lead', 'qc', 'product']) await roles.getByText(key, { exact: true }).first().waitFor()
  await page.getByTestId('menu-admin-businesses').click()
  const biz = page.getByTestId('business-table').locator('tr', { hasText: 'app01' }).first()
  await biz.waitFor()
  for (const u of ['ops', 'lead', 'qc', 'product']) await expectText(biz, new RegExp(`\\b${u}\\b`))
  await screenshot('admin-business-members')

  // ---- 2. The workflow "环境变更" on the designer canvas.
  await page.getByTestId('menu-admin-workflows').click()
  await page.getByTestId('workflow-table').locator('tr', { hasText: '环境变更' }).first().waitFor()
  await page.getByTestId('workflow-design-环境变更').click()
  await page.waitForURL(/\/admin\/workflows\/\d+$/)
  const canvas = page.getByTestId('designer-canvas')
  await canvas.locator('.vue-flow__node').first().waitFor()
  await expectCount(canvas.locator('.vue-flow__node'), 5)
  await until('the nodes to be connected', async () => (await canvas.locator('.vue-flow__edge').count()) >= 4)
  // The submit node: operators = ops of the business; fields reason, scope, time window.
  await canvas.locator('.vue-flow__node', { hasText: 'Submit' }).first().click()
  const panel = page.getByTestId('designer-panel')
  await expectValue(panel.getByTestId('node-key'), 'submit')
  for (const f of ['reason', 'scope', 'window']) {
    await until(`submit node has field ${f}`, async () =>
      (await panel.locator('[data-testid^="node-field-key-"]').evaluateAll((els) => els.map((e) => e.value))).includes(f),
    )
  }
  await expectText(panel.getByTestId('node-business-roles'), /ops/)
  await screenshot('admin-designer-submit-node')
  // The review node is an approval by the ops lead.
  await canvas.locator('.vue-flow__node', { hasText: '变更审核' }).first().click()
  await expectValue(panel.getByTestId('node-key'), 'review')
  await panel.getByTestId('node-rule').waitFor()
  await expectText(panel.getByTestId('node-business-roles'), /ops_lead/)
  await page.getByTestId('designer-validate').click()
  await page.locator('.el-message--success', { hasText: 'can be deployed' }).waitFor()
  await page.getByTestId('designer-versions').click()
  const versions = page.getByTestId('designer-versions-drawer')
  await versions.locator('tr', { hasText: 'admin' }).first().waitFor()
  await screenshot('admin-designer-versions')
  await page.keyboard.press('Escape')

  // ---- 3. The service catalog: directory 环境变更 under the root holds the service 环境变更.
  await page.getByTestId('menu-admin-catalog').click()
  await page.getByTestId('admin-dir-环境变更').click()
  await page.getByTestId('dir-services').getByText('环境变更', { exact: true }).first().waitFor()
  await screenshot('admin-catalog')

  // ---- 4. ops submits a change with reason, scope and time.
  const title = uniq('更换 app01 过保服务器 ')
  await switchUser(page, users.ops)
  await page.getByTestId('menu-services').click()
  await page.waitForURL(/\/services$/)
  await page.getByTestId('catalog-dir-环境变更').click()
  await page.getByTestId('service-submit-环境变更').click()
  const drawer = page.getByTestId('service-drawer')
  await drawer.getByTestId('service-title').fill(title)
  await pickOptions(page, drawer.getByTestId('service-business'), ['app01'])
  // Nothing is sent while a required field is empty: the form says so next to the field.
  await drawer.getByTestId('service-submit').click()
  await drawer.getByTestId('svc-field-item-reason').locator('.el-form-item__error').waitFor()
  await drawer.getByTestId('svc-field-reason').fill('应用服务器已服役 5 年，过保且故障率上升')
  await drawer.getByTestId('svc-field-scope').fill('app01 web 集群 3 台服务器')
  // The time window is a date-time range, picked in the browser's time zone.
  await pickDateTimeRange(page, drawer.getByTestId('svc-field-item-window'), '2026-11-22 02:00', '2026-11-22 04:00')
  await screenshot('ops-change-form')
  await drawer.getByTestId('service-submit').click()
  await expectSuccess(drawer.getByTestId('service-result'), drawer.getByTestId('service-error'), 'submitting the change')
  await drawer.getByTestId('service-open-ticket').click()
  await page.waitForURL(/\/tickets\/\d+/)
  const ticketId = ticketIdOf(page)
  await expectTicketStatus(page, 'in_progress')
  await page.getByTestId('ticket-current').getByText('变更审核', { exact: false }).waitFor()

  // ---- 5. The lead is told by email: the outbox has a pending-review email for lead, with a link.
  const adminToken = await apiLogin(baseURL, users.admin)
  const outbox = await apiCall(baseURL, adminToken, 'GET', `/notifications?ticket_id=${ticketId}`)
  const toLead = outbox.items.find((n) => n.event === 'node.waiting' && n.channel === 'email' && /lead/.test(n.recipient))
  assert.ok(toLead, `an email about the pending review is queued for the lead: ${JSON.stringify(outbox.items)}`)

  // The lead finds it in the todo list — on a phone — and approves.
  const phone = await newPage(PHONE)
  await signIn(phone, users.lead)
  await openFromTodo(phone, title)
  await phone.getByTestId('flow-graph').waitFor()
  await phone.locator('[data-testid="flow-graph"] [data-state="current"]', { hasText: '变更审核' }).waitFor()
  await screenshot('lead-phone-review', phone)
  await phone.getByTestId('action-approve').click()
  await phone.getByTestId('action-confirm').click()
  await phone.getByTestId('action-dialog').waitFor({ state: 'hidden' })
  await phone.getByTestId('ticket-timeline').getByTestId('step-approve').waitFor()

  // ---- 6. ops fills in the change operation & summary.
  await openFromTodo(page, title)
  const step = page.getByTestId('step-form')
  await step.waitFor()
  await step.getByTestId('step-field-summary').fill('3 台服务器已替换为新机型，业务无损，监控正常')
  await step.getByTestId('action-fill').click()
  await page.getByTestId('ticket-timeline').getByTestId('step-fill').waitFor()
  await screenshot('ops-summary-done')

  // ---- 7. QC evaluates from the todo list.
  await switchUser(page, users.qc)
  await openFromTodo(page, title)
  const evaluate = page.getByTestId('step-form')
  await evaluate.waitFor()
  await pickOptions(page, evaluate.getByTestId('step-field-rating'), ['良好 Good'])
  // The evaluation form of the demo workflow has a comment field next to the rating.
  await evaluate.getByTestId('step-field-qc_comment').fill('关键指标平稳，无客诉')
  await evaluate.getByTestId('action-evaluate').click()
  await expectTicketStatus(page, 'finished')

  // ---- 8. The whole path: every node, who acted, when, what they entered.
  const timeline = page.getByTestId('ticket-timeline')
  for (const action of ['submit', 'approve', 'fill', 'evaluate']) await timeline.getByTestId(`step-${action}`).first().waitFor()
  for (const who of ['ops', 'lead', 'qc']) await expectText(timeline, new RegExp(`\\(${who}\\)|\\b${who}\\b`))
  await expectText(timeline, /过保且故障率上升/)
  await expectText(timeline, /业务无损/)
  await expectText(timeline, /良好 Good/)
  await expectCount(page.locator('[data-testid="flow-graph"] [data-state="current"]'), 0)
  await screenshot('qc-finished-ticket')
}
