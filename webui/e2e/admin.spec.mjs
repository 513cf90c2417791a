// The other pages built in the first round: roles, businesses, API tokens, audit events, and
// the phone-width layout.
import assert from 'node:assert/strict'
import { apiCall, apiLogin, expectCount, expectText, expectValue, signIn, until } from './helpers.mjs'

export async function rolesAndBusinesses({ page, admin, screenshot, uniq }) {
  await signIn(page, admin)

  // A role with two permissions.
  const roleKey = uniq('ops')
  await page.goto('/admin/roles')
  await page.getByTestId('role-table').getByText('admin', { exact: true }).first().waitFor()
  await page.getByTestId('role-new').click()
  const rd = page.getByTestId('role-dialog')
  await rd.getByTestId('role-key').fill(roleKey)
  await rd.getByTestId('role-name').fill('E2E Ops')
  await rd.getByTestId('perm-ticket.submit').click()
  await rd.getByTestId('perm-config.read').click()
  await rd.getByTestId('role-save').click()
  await rd.waitFor({ state: 'hidden' })
  const roleRow = page.getByTestId('role-table').locator('tr', { hasText: roleKey })
  await roleRow.first().waitFor()
  await expectText(roleRow.first(), /ticket\.submit/)
  await screenshot('roles')

  // A duplicate key is refused, and the dialog says so.
  await page.getByTestId('role-new').click()
  await rd.getByTestId('role-key').fill(roleKey)
  await rd.getByTestId('role-name').fill('Again')
  await rd.getByTestId('role-save').click()
  await rd.locator('.el-alert--error').waitFor()
  await rd.getByRole('button', { name: 'Cancel' }).click()

  // A business whose members for that role are the admin.
  const bizKey = uniq('biz')
  await page.goto('/admin/businesses')
  await page.getByTestId('business-new').click()
  const bd = page.getByTestId('business-dialog')
  await bd.getByTestId('business-key').fill(bizKey)
  await bd.getByTestId('business-name').fill('E2E Business')
  const picker = bd.getByTestId(`business-members-${roleKey}`)
  await picker.click()
  await page.keyboard.type(admin.username)
  await page.locator('.el-select-dropdown__item:visible', { hasText: admin.username }).first().click()
  await bd.locator('.el-dialog__title').click() // closes the dropdown
  await page.locator('.el-select-dropdown:visible').waitFor({ state: 'hidden' })
  await bd.getByTestId('business-save').click()
  await bd.waitFor({ state: 'hidden' })
  const bizRow = page.getByTestId('business-table').locator('tr', { hasText: bizKey })
  await bizRow.first().waitFor()
  await expectText(bizRow.first(), new RegExp(admin.username))
  await screenshot('businesses')
}

export async function apiTokens({ page, admin, screenshot, uniq, baseURL }) {
  await signIn(page, admin)
  await page.goto('/me/tokens')
  const name = uniq('ci')
  await page.getByTestId('token-new').click()
  await page.getByTestId('token-name').fill(name)
  await page.getByTestId('token-save').click()
  const secretDialog = page.getByTestId('token-secret-dialog')
  await secretDialog.waitFor()
  const secret = await until('the secret to show', async () => {
    const v = await secretDialog.getByTestId('token-secret').inputValue()
    return v.length > 10 ? v : null
  })
  assert.ok(secret.length > 10, 'the secret is shown')
  await screenshot('token-secret')

  // The secret works as a bearer token.
  const me = await fetch(`${baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } })
  assert.equal(me.status, 200)

  await secretDialog.getByTestId('token-secret-done').click()
  await secretDialog.waitFor({ state: 'hidden' })
  const row = page.getByTestId('token-table').locator('tr', { hasText: name })
  await row.first().waitFor()

  await page.getByTestId(`token-revoke-${name}`).click()
  await page.locator('.el-message-box').getByRole('button', { name: 'Revoke' }).click()
  await row.first().waitFor({ state: 'detached' })
  const after = await fetch(`${baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } })
  assert.equal(after.status, 401)
}

export async function auditEvents({ page, admin, screenshot }) {
  await signIn(page, admin)
  await page.goto('/audit/events')
  const table = page.getByTestId('audit-table')
  await table.locator('tbody tr').first().waitFor()
  await page.getByTestId('audit-actor').fill(admin.username)
  await page.getByTestId('audit-search').click()
  // The filtered answer has arrived: every row shown is the admin's.
  await until('only the admin’s events', async () => {
    const rows = await table.locator('tbody tr.el-table__row').allInnerTexts()
    return rows.length > 0 && rows.every((r) => new RegExp(admin.username).test(r))
  })
  // Who acted reads by display name (the demo admin's is 管理员 Admin), the username beneath it.
  await expectText(table.getByTestId('audit-actor-name').first(), '管理员 Admin')
  await table.locator('.el-table__expand-icon').first().click()
  await table.getByText('After', { exact: true }).first().waitFor()
  await screenshot('audit')
}

export async function phoneLayout({ page, admin, screenshot }) {
  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, admin)
  // The menu is a drawer, closed until asked for.
  await page.getByTestId('menu-toggle').waitFor()
  await page.getByTestId('side-menu').waitFor({ state: 'hidden' })
  await page.getByTestId('menu-toggle').click()
  await page.getByTestId('side-menu').waitFor()
  // The drawer has finished sliding in (no animation left on it) before the screenshot.
  await page.waitForFunction(() => {
    const d = document.querySelector('.el-drawer')
    return !!d && d.getAnimations({ subtree: true }).every((a) => a.playState !== 'running')
  })
  await screenshot('phone-menu')
  await page.getByTestId('menu-my-tokens').click()
  await page.waitForURL(/\/me\/tokens$/)
  await page.getByTestId('side-menu').waitFor({ state: 'hidden' })
  await screenshot('phone-tokens')
}

export async function editAndDeactivateUser({ page, admin, baseURL, uniq, screenshot }) {
  const token = await apiLogin(baseURL, admin)
  const username = uniq('edit')
  await apiCall(baseURL, token, 'POST', '/users', { username, display_name: 'Before', password: 'password-1234' })

  await signIn(page, admin)
  await page.goto('/admin/users')
  await page.getByTestId('user-search').fill(username)
  await page.getByTestId('user-search-button').click()
  const row = page.getByTestId('user-table').locator('tr', { hasText: username }).first()
  await row.waitFor()

  // Edit: the display name changes (PATCH with If-Match).
  await page.getByTestId(`user-edit-${username}`).click()
  const dialog = page.getByTestId('user-dialog')
  await dialog.getByTestId('user-display-name').fill('After')
  // Someone else changes the user meanwhile: our save is refused as stale and the form reloads.
  const [u] = (await apiCall(baseURL, token, 'GET', `/users?q=${username}`)).items
  await apiCall(baseURL, token, 'PATCH', `/users/${u.id}`, { display_name: 'Someone else' })
  await dialog.getByTestId('user-save').click()
  await dialog.locator('.el-alert--error', { hasText: 'Someone else changed this' }).waitFor()
  await expectValue(dialog.getByTestId('user-display-name'), 'Someone else')
  await screenshot('stale-edit')
  await dialog.getByTestId('user-display-name').fill('After')
  await dialog.getByTestId('user-save').click()
  await dialog.waitFor({ state: 'hidden' })
  await row.getByText('After', { exact: true }).waitFor()

  // Deactivate.
  await page.getByTestId(`user-deactivate-${username}`).click()
  await page.locator('.el-message-box').getByRole('button', { name: 'Deactivate' }).click()
  await row.getByText('Disabled', { exact: true }).waitFor()
}

export async function permissionsShapeTheMenu({ page, admin, baseURL, uniq }) {
  const token = await apiLogin(baseURL, admin)
  const username = uniq('plain')
  const password = 'password-1234'
  await apiCall(baseURL, token, 'POST', '/users', { username, password, roles: [] })

  await signIn(page, { username, password })
  const menu = page.getByTestId('side-menu')
  await menu.getByTestId('menu-my-tokens').waitFor()
  await expectCount(menu.getByTestId('menu-group-admin'), 0)
  await expectCount(menu.getByTestId('menu-group-audit'), 0)
  await page.goto('/admin/users')
  await page.getByTestId('forbidden').waitFor()
}
