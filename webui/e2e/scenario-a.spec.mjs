// Scenario A of the demo data (seed 000, the work-order manual), click by click, each step as the
// right user, against `orderly serve --demo`:
//   admin sees the catalog (environments, purposes, config, variables incl. a script-fed one,
//   the template with its command and argv) → ops submits "Deploy app01" in PROD / DeployGit →
//   lead approves without a comment → lead2 cannot reject without a reason, rejects with one →
//   ops sees the rejection → a second ticket passes both levels (lead2 approves on a phone) →
//   ops executes it from Execute and watches the live log to "Finished successfully" →
//   ops submits and executes the no-approval template in one step → the auditor sees every
//   execution with its values and log; ops and product cannot open the audit.
import assert from 'node:assert/strict'
import { apiCall, apiLogin, expectCount, expectSuccess, expectText, expectTicketStatus, openFromTodo, pickOptions, signIn, switchUser, ticketIdOf } from './helpers.mjs'

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }

/** ops: Submit → PROD tab → DeployGit → "Deploy app01" → hosts → submit. Returns the ticket id. */
async function submitDeploy(page, title, hosts, screenshot) {
  await page.getByTestId('menu-submit').click()
  await page.waitForURL(/\/submit/)
  await page.getByTestId('env-tab-PROD').click()
  await page.getByTestId('purpose-DeployGit').click()
  await page.locator('[data-testid^="template-card-"][data-name="Deploy app01"]').click()
  const drawer = page.getByTestId('submit-drawer')
  await drawer.getByTestId('submit-title').fill(title)
  // The hosts come from the variable's registered list (GET /variables/AnsibleHosts/options).
  await pickOptions(page, drawer.getByTestId('var-AnsibleHosts'), hosts, { multiple: true })
  // A template with approval offers "submit", not "submit and execute".
  await expectCount(drawer.getByTestId('submit-execute-button'), 0)
  if (screenshot) await screenshot('ops-submit-form')
  await drawer.getByTestId('submit-button').click()
  const result = drawer.getByTestId('submit-result')
  await expectSuccess(result, drawer.getByTestId('submit-error'), 'submitting "Deploy app01"')
  await expectText(result, /Submitted, waiting for approval/)
  if (screenshot) await screenshot('ops-submitted-waiting')
  await result.getByTestId('submit-open-ticket').click()
  await page.waitForURL(/\/tickets\/\d+/)
  await expectTicketStatus(page, 'in_progress')
  return ticketIdOf(page)
}

export async function scenarioA({ page, users, baseURL, screenshot, uniq, newPage }) {
  // ---- 1-3. Admin: the catalog the seed describes
  await signIn(page, users.admin)
  await page.getByTestId('menu-group-admin').click()
  await page.getByTestId('menu-admin-environments').click()
  const envTable = page.getByTestId('env-table')
  await envTable.getByText('PROD', { exact: true }).waitFor()
  await envTable.getByText('STAGE', { exact: true }).waitFor()
  await page.getByTestId('menu-admin-purposes').click()
  const purposeTable = page.getByTestId('purpose-table')
  await purposeTable.getByText('DeployGit', { exact: true }).waitFor()
  await purposeTable.getByText('DeployDocker', { exact: true }).waitFor()

  // Config center: git.base_url per environment; a secret is never shown.
  await page.getByTestId('menu-admin-config').click()
  // Other specs add environments that may sort before PROD: pick its tab, not the first one.
  await page.getByTestId('config-env-tabs').getByRole('tab', { name: 'PROD', exact: true }).click()
  await page.getByTestId('config-table').getByText('git.base_url', { exact: true }).waitFor()
  await screenshot('admin-config')

  // Variables: the registered list, and the script-fed one tested with its button.
  await page.getByTestId('menu-admin-variables').click()
  const varTable = page.getByTestId('variable-table')
  const hostsRow = varTable.locator('tr', { hasText: 'AnsibleHosts' }).first()
  await hostsRow.waitFor()
  for (const h of ['host1', 'host2', 'host3']) await hostsRow.getByText(h, { exact: true }).waitFor()
  const scriptRow = varTable.locator('tr', { hasText: 'GitBranch' }).first()
  await scriptRow.waitFor()
  await page.getByTestId('variable-test-GitBranch').click()
  const testResult = page.getByTestId('variable-test-result')
  await testResult.waitFor()
  await expectText(testResult, /main/)
  await screenshot('admin-variable-test')
  await page.getByTestId('variable-test-dialog').getByRole('button', { name: 'Close' }).first().click().catch(() => page.keyboard.press('Escape'))

  // An external script replaces the list over the API (a JSON list) and the page shows it.
  const adminToken = await apiLogin(baseURL, users.admin)
  const original = await apiCall(baseURL, adminToken, 'GET', '/variables/AnsibleHosts')
  const extra = uniq('host')
  await apiCall(baseURL, adminToken, 'PUT', '/variables/AnsibleHosts/options', [...original.options.map((o) => o.value), extra])
  await page.reload()
  await page.getByTestId('variable-table').locator('tr', { hasText: 'AnsibleHosts' }).first().getByText(extra, { exact: true }).waitFor()
  await apiCall(baseURL, adminToken, 'PUT', '/variables/AnsibleHosts/options', original.options)

  // The template: PROD / DeployGit, internal {"GitProjName":"app01"}, command with placeholders,
  // the argv previewed as the server will run it, two-level approval, submit for role ops.
  await page.getByTestId('menu-admin-templates').click()
  const tplRow = page.getByTestId('template-table').locator('tr', { hasText: 'Deploy app01' }).first()
  await tplRow.waitFor()
  await tplRow.getByRole('button', { name: 'Edit' }).click()
  const tplDrawer = page.getByTestId('template-drawer')
  await tplDrawer.getByTestId('command-argv').waitFor()
  await expectText(tplDrawer.getByTestId('command-argv'), /main_deploy_git\.py/)
  // the internal variable GitProjName is substituted in the preview
  await expectText(tplDrawer.getByTestId('command-argv'), /app01/)
  // the submitter’s variable stays a placeholder
  await expectText(tplDrawer.getByTestId('command-argv'), /\{AnsibleHosts\}/)
  await expectCount(tplDrawer.getByTestId('command-problem'), 0)
  await screenshot('admin-template-argv')
  await tplDrawer.getByTestId('template-preview').click()
  await tplDrawer.getByTestId('template-preview-result').waitFor()
  await expectText(tplDrawer.getByTestId('template-preview-result'), /-g app01 -i host/)
  await page.keyboard.press('Escape')

  // ---- 4. ops submits the first ticket → "submitted, waiting for approval"
  const title1 = uniq('Deploy app01 #1 ')
  await switchUser(page, users.ops)
  const ticket1 = await submitDeploy(page, title1, ['host1', 'host2'], screenshot)
  await page.getByTestId('flow-graph').waitFor()
  await page.locator('[data-testid="flow-graph"] [data-state="current"]').first().waitFor()

  // ---- 5. lead (level 1) approves without a comment
  await switchUser(page, users.lead)
  await openFromTodo(page, title1)
  assert.equal(ticketIdOf(page), ticket1)
  await page.getByTestId('action-approve').click()
  const dialog = page.getByTestId('action-dialog')
  await dialog.getByTestId('approve-comment').waitFor()
  await dialog.getByTestId('action-confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByTestId('ticket-timeline').getByTestId('step-approve').waitFor()
  await screenshot('lead-approved-level1')

  // lead2 (level 2): rejecting needs a reason — the button stays disabled until one is typed,
  // and the API refuses a blank one too.
  await switchUser(page, users.lead2)
  await openFromTodo(page, title1)
  await page.getByTestId('action-reject').click()
  await dialog.getByTestId('reject-reason').waitFor()
  await dialog.locator('[data-testid="action-confirm"]:disabled').waitFor() // reject without a reason is not possible
  await dialog.getByTestId('reject-reason').fill('   ')
  await dialog.locator('[data-testid="action-confirm"]:disabled').waitFor() // a blank reason is no reason
  const lead2Token = await apiLogin(baseURL, users.lead2)
  const blank = await fetch(`${baseURL}/api/v1/tickets/${ticket1}/reject`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${lead2Token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ reason: ' ' }),
  })
  assert.equal(blank.status, 422, 'the server refuses a blank reason')
  await screenshot('lead2-reject-needs-reason')
  const reason = '变更窗口与大促冲突，请改期 (clashes with the sale)'
  await dialog.getByTestId('reject-reason').fill(reason)
  await dialog.getByTestId('action-confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  await expectTicketStatus(page, 'rejected')

  // The submitter is told: a "rejected" notification to ops sits in the outbox.
  const told = await apiCall(baseURL, adminToken, 'GET', `/notifications?ticket_id=${ticket1}`)
  assert.ok(
    told.items.some((n) => n.event === 'ticket.rejected' && /ops/.test(n.recipient)),
    `the submitter is notified of the rejection: ${JSON.stringify(told.items.map((n) => [n.event, n.recipient]))}`,
  )

  // The submitter sees the rejection and its reason.
  await switchUser(page, users.ops)
  await page.getByTestId('menu-my-tickets').click()
  await page.getByTestId('tickets-search').fill(title1)
  await page.getByTestId('tickets-search-button').click()
  const mine = page.getByTestId('tickets-table').locator('tr', { hasText: title1 }).first()
  await mine.waitFor()
  await expectText(mine, /Rejected/)
  await mine.click()
  await expectTicketStatus(page, 'rejected')
  await page.getByTestId('ticket-timeline').getByText(reason).waitFor()
  await screenshot('ops-sees-rejection')

  // ---- A second ticket passes both levels; lead2 approves on a phone.
  const title2 = uniq('Deploy app01 #2 ')
  const ticket2 = await submitDeploy(page, title2, ['host3'])
  const lead = await newPage()
  await signIn(lead, users.lead)
  await openFromTodo(lead, title2)
  await lead.getByTestId('action-approve').click()
  await lead.getByTestId('action-dialog').getByTestId('action-confirm').click()
  await lead.getByTestId('action-dialog').waitFor({ state: 'hidden' })
  await lead.getByTestId('ticket-timeline').getByTestId('step-approve').waitFor()

  const phone = await newPage(PHONE)
  await signIn(phone, users.lead2)
  await openFromTodo(phone, title2)
  const approve = phone.getByTestId('action-approve')
  await approve.waitFor()
  const box = await approve.boundingBox()
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, 'the approve button fits the phone screen')
  await screenshot('lead2-phone-ticket', phone)
  await approve.click()
  await phone.getByTestId('approve-comment').fill('OK，按计划执行')
  await phone.getByTestId('action-confirm').click()
  await phone.getByTestId('action-dialog').waitFor({ state: 'hidden' })
  await expectTicketStatus(phone, 'approved')
  await screenshot('lead2-phone-approved', phone)

  // ---- 6. ops: Execute → the approved ticket → run → live log → success with exit code.
  await page.getByTestId('menu-execute').click()
  await page.waitForURL(/\/execute$/)
  const execRow = page.getByTestId('execute-table').locator('tr', { hasText: title2 }).first()
  await execRow.waitFor()
  await screenshot('ops-execute-index')
  await page.getByTestId(`execute-run-${ticket2}`).click()
  // PROD is protected: what will run is shown, and the run starts only once "PROD" is typed.
  const confirm = page.getByTestId('execute-confirm')
  await expectText(confirm.getByTestId('execute-confirm-argv'), /-g app01 -i host3/)
  await expectText(confirm.getByTestId('execute-confirm-hosts'), 'host3')
  await confirm.locator('[data-testid="execute-confirm-ok"]:disabled').waitFor()
  await screenshot('ops-confirm-prod')
  await confirm.getByTestId('execute-confirm-input').fill('PROD')
  await confirm.locator('[data-testid="execute-confirm-ok"]:enabled').click()
  await page.waitForURL(/\/executions\/\d+/)
  const log = page.getByTestId('log-output')
  await log.waitFor()
  const result = page.getByTestId('execution-result')
  await result.waitFor({ timeout: 60_000 })
  await expectText(result, /Finished successfully/)
  await expectText(page.getByTestId('execution-exit-code'), /Exit code: 0/)
  await expectText(log, /\S/) // the log shows the task output
  await expectText(page.getByTestId('execution-argv'), /-g app01 -i host3/)
  await screenshot('ops-execution-finished')

  // ---- 7. A template without approval: submit and execute in one step.
  const title3 = uniq('Restart STAGE ')
  await page.getByTestId('menu-submit').click()
  await page.getByTestId('env-tab-STAGE').click()
  await page.getByTestId('purpose-DeployDocker').click()
  await page.locator('[data-testid^="template-card-"][data-name="Restart app01 - STAGE"]').click()
  const drawer = page.getByTestId('submit-drawer')
  await drawer.getByTestId('submit-title').fill(title3)
  await pickOptions(page, drawer.getByTestId('var-AnsibleHosts'), ['host1'], { multiple: true })
  await drawer.getByTestId('submit-execute-button').click()
  await expectSuccess(page.getByTestId('log-viewer'), drawer.getByTestId('submit-error'), 'submit and execute')
  await page.waitForURL(/\/executions\/\d+/)
  await page.getByTestId('execution-result').waitFor({ timeout: 60_000 })
  await expectText(page.getByTestId('execution-result'), /Finished successfully/)
  await screenshot('ops-submit-and-execute-finished')

  // ---- 8. The auditor sees every execution — who, when, template, environment, values,
  // result, log — and nobody else may open the audit.
  await switchUser(page, users.auditor)
  await page.getByTestId('menu-group-audit').click()
  await page.getByTestId('menu-audit-executions').click()
  const history = page.getByTestId('history-table')
  const row2 = history.locator('tr', { hasText: 'Deploy app01' }).first()
  await row2.waitFor()
  await expectText(row2, /ops/)
  await expectText(row2, /PROD/)
  await expectText(row2, /AnsibleHosts=host3/)
  await expectText(row2, /Succeeded/)
  await history.locator('tr', { hasText: 'Restart app01 - STAGE' }).first().waitFor()
  // Filter by environment, then open a log.
  await pickOptions(page, page.getByTestId('history-env'), ['STAGE'])
  await history.locator('tr', { hasText: 'Restart app01 - STAGE' }).first().waitFor()
  await expectCount(history.locator('tr', { hasText: 'Deploy app01' }), 0)
  await history.locator('tr', { hasText: 'Restart app01 - STAGE' }).first().click()
  const logDrawer = page.getByTestId('history-log')
  await logDrawer.getByTestId('execution-result').waitFor()
  await expectText(logDrawer.getByTestId('log-output'), /\S/)
  await screenshot('auditor-history')
  await page.keyboard.press('Escape')
  await logDrawer.waitFor({ state: 'hidden' })

  for (const who of [users.ops, users.product]) {
    await switchUser(page, who)
    await expectCount(page.getByTestId('menu-group-audit'), 0)
    await page.goto('/audit/executions')
    await page.getByTestId('forbidden').waitFor()
  }
}
