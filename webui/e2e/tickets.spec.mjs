// The other things people do with a ticket, on the demo workflow "环境变更": comment, transfer
// (the lead hands the review to lead2), return to an earlier node (lead2 sends it back to the
// submitter, who sees the submit form again), withdraw; my tickets' search and filters.
import { apiCall, apiLogin, expectTicketStatus, expectValue, openFromTodo, pickOptions, signIn, switchUser } from './helpers.mjs'

export async function commentTransferReturnWithdraw({ page, users, baseURL, screenshot, uniq }) {
  // A change submitted over the API (the service catalog form is covered by scenario B).
  const opsToken = await apiLogin(baseURL, users.ops)
  const title = uniq('机房搬迁 ')
  const t = await apiCall(baseURL, opsToken, 'POST', '/tickets', {
    service_id: (await apiCall(baseURL, opsToken, 'GET', '/services')).items.find((s) => s.name === '环境变更').id,
    title,
    business: 'app01',
    fields: { reason: '机房到期', scope: 'app01 全部主机', window: ['2026-11-28T18:00:00Z', '2026-11-28T20:00:00Z'] },
  })

  // ops comments on it.
  await signIn(page, users.ops)
  await page.goto(`/tickets/${t.id}`)
  await page.getByTestId('comment-input').fill('已和业务方确认时间')
  await page.getByTestId('action-comment').click()
  await page.getByTestId('ticket-timeline').getByText('已和业务方确认时间').waitFor()

  // The lead transfers the review to lead2.
  await switchUser(page, users.lead)
  await openFromTodo(page, title)
  await page.getByTestId('action-transfer').click()
  const dialog = page.getByTestId('action-dialog')
  await dialog.getByTestId('transfer-user').click()
  await page.keyboard.type('lead2')
  await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: 'lead2' }).first().click()
  await dialog.getByTestId('action-confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByTestId('ticket-timeline').getByTestId('step-transfer').waitFor()
  await page.getByTestId('ticket-current').getByText('lead2').waitFor()

  // lead2 returns it to the submit node with a reason (required, like a rejection).
  await switchUser(page, users.lead2)
  await openFromTodo(page, title)
  await page.getByTestId('action-return').click()
  await dialog.getByTestId('return-node').waitFor()
  await dialog.locator('[data-testid="action-confirm"]:disabled').waitFor()
  await dialog.getByTestId('return-reason').fill('请补充回退方案')
  await dialog.getByTestId('action-confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByTestId('ticket-timeline').getByTestId('step-return').waitFor()
  await screenshot('returned')

  // ops finds it in the todo list, sees the submit form again with what was entered, withdraws.
  await switchUser(page, users.ops)
  await openFromTodo(page, title)
  const form = page.getByTestId('step-form')
  await form.waitFor()
  await expectValue(form.getByTestId('step-field-scope'), 'app01 全部主机')
  await page.getByTestId('action-withdraw').click()
  await dialog.getByTestId('withdraw-reason').fill('改用新方案')
  await dialog.getByTestId('action-confirm').click()
  await dialog.waitFor({ state: 'hidden' })
  await expectTicketStatus(page, 'withdrawn')
  await screenshot('withdrawn')

  // My tickets: search by words of the title, filter by status.
  await page.getByTestId('menu-my-tickets').click()
  await page.getByTestId('tickets-search').fill(title)
  await page.getByTestId('tickets-search-button').click()
  const row = page.getByTestId('tickets-table').locator('tr', { hasText: title }).first()
  await row.waitFor()
  await pickOptions(page, page.getByTestId('tickets-status'), ['Rejected'])
  await row.waitFor({ state: 'detached' })
  await pickOptions(page, page.getByTestId('tickets-status'), ['Withdrawn'])
  await page.getByTestId('tickets-table').locator('tr', { hasText: title }).first().waitFor()
  await page.waitForURL(/status=withdrawn/)
  await screenshot('my-tickets-filtered')
}
