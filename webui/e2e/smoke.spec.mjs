// The first walk through the UI as the admin: sign in, home page, both languages, create a
// user, sign out.
import assert from 'node:assert/strict'
import { expectCount, expectText, switchLanguage } from './helpers.mjs'

export async function adminWalkthrough({ page, admin, screenshot, uniq }) {
  // A page that needs a session sends us to /login and back afterwards.
  await page.goto('/admin/users')
  await page.waitForURL(/\/login\?redirect=/)
  assert.equal(new URL(page.url()).searchParams.get('redirect'), '/admin/users')

  // Signing in returns to the page asked for.
  await page.getByTestId('login-username').fill(admin.username)
  await page.getByTestId('login-password').fill(admin.password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL(/\/admin\/users$/)
  await page.getByTestId('user-table').waitFor()

  await page.getByTestId('brand').click()
  await page.getByTestId('greeting').waitFor()
  assert.equal(new URL(page.url()).pathname, '/')
  await page.getByTestId('todo-count').waitFor()
  await screenshot('home')

  // English (the browser asks for en-US), then 中文, then back.
  await switchLanguage(page, 'en')
  const menu = page.getByTestId('side-menu')
  await menu.getByText('My tickets', { exact: true }).waitFor()
  await switchLanguage(page, 'zh-CN')
  await menu.getByText('我的工单', { exact: true }).waitFor()
  await menu.getByText('提单', { exact: true }).waitFor()
  assert.equal(await page.evaluate(() => localStorage.getItem('orderly.locale')), 'zh-CN')
  await screenshot('home-zh')
  // The choice survives a reload.
  await page.reload()
  await menu.getByText('我的工单', { exact: true }).waitFor()
  await switchLanguage(page, 'en')
  await menu.getByText('My tickets', { exact: true }).waitFor()

  // Users: create one and find it in the list.
  await page.getByTestId('menu-group-admin').click()
  await page.getByTestId('menu-admin-users').click()
  await page.waitForURL(/\/admin\/users$/)
  await page.getByTestId('user-table').getByText(admin.username, { exact: true }).first().waitFor()

  const username = uniq('e2e')
  await page.getByTestId('user-new').click()
  const dialog = page.getByTestId('user-dialog')
  await dialog.getByTestId('user-username').fill(username)
  await dialog.getByTestId('user-display-name').fill('E2E Tester')
  await dialog.getByTestId('user-email').fill(`${username}@example.com`)
  await dialog.getByTestId('user-password').fill('e2e-password-123')
  await dialog.getByTestId('user-save').click()
  await dialog.waitFor({ state: 'hidden' })

  await page.getByTestId('user-search').fill(username)
  await page.getByTestId('user-search-button').click()
  const row = page.getByTestId('user-table').locator('tr', { hasText: username })
  await row.first().waitFor()
  await expectCount(row, 1)
  await expectText(row.first(), /E2E Tester/)
  await screenshot('user-created')

  // Sign out: back at the login page, and the session is gone.
  await page.getByTestId('user-menu').click()
  await page.getByTestId('logout').click()
  await page.waitForURL(/\/login/)
  assert.equal(await page.evaluate(() => localStorage.getItem('orderly.token')), null)
  await page.goto('/')
  await page.waitForURL(/\/login/)
}

export async function wrongPasswordIsRefused({ page, admin }) {
  await page.goto('/login')
  await page.getByTestId('login-username').fill(admin.username)
  await page.getByTestId('login-password').fill('definitely-not-the-password')
  await page.getByTestId('login-submit').click()
  const err = page.getByTestId('login-error')
  await err.waitFor()
  await expectText(err, /Wrong username or password|Too many attempts/)
}

export async function expiredSessionReturnsToLogin({ page, admin, baseURL }) {
  await page.goto('/login')
  await page.getByTestId('login-username').fill(admin.username)
  await page.getByTestId('login-password').fill(admin.password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('greeting').waitFor()

  // The session ends behind the UI's back (signed out elsewhere).
  const token = await page.evaluate(() => localStorage.getItem('orderly.token'))
  const res = await fetch(`${baseURL}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })
  assert.equal(res.status, 204)

  // The next API call gets 401: back to the login page, which returns here afterwards.
  await page.getByTestId('menu-my-tokens').click()
  await page.waitForURL(/\/login\?/)
  assert.equal(new URL(page.url()).searchParams.get('redirect'), '/me/tokens')
  await page.getByTestId('login-username').fill(admin.username)
  await page.getByTestId('login-password').fill(admin.password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL(/\/me\/tokens$/)
  await page.getByTestId('token-table').waitFor()
}
