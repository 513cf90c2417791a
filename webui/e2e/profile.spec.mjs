// A user looks after their own account: from the user menu they set their email, the language
// of their messages and their chat ids (so chat messages @-mention them), and change their
// password; a wrong current password is refused and changes nothing.
import { apiCall, apiLogin, expectText, expectValue, signIn, signOut } from './helpers.mjs'

export async function ownAccountFromTheUserMenu({ page, users, baseURL, screenshot, uniq }) {
  const adminToken = await apiLogin(baseURL, users.admin)
  const username = uniq('dana').replace(/[^A-Za-z0-9_.-]/g, '')
  const first = { username, password: 'first-pass-123' }
  await apiCall(baseURL, adminToken, 'POST', '/users', {
    username,
    display_name: 'Dana',
    password: first.password,
    roles: [],
  })

  await signIn(page, first)
  await page.getByTestId('user-menu').click()
  await page.getByTestId('user-menu-profile').click()
  await page.waitForURL(/\/me\/profile$/)
  await expectValue(page.getByTestId('profile-username'), username)

  await page.getByTestId('profile-email').fill(`${username}@example.com`)
  await page.getByTestId('profile-locale').getByText('English').click()
  await page.getByTestId('profile-chat-dingtalk').fill('13800000042')
  await page.getByTestId('profile-chat-slack').fill('U0DANA')
  // The time zone of their emails: typed into the list of zones, which names each one's offset.
  await page.getByTestId('profile-timezone').click()
  await page.keyboard.type('Asia/Shang')
  await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: 'Asia/Shanghai (UTC+08:00)' }).first().click()
  await page.getByTestId('profile-save').click()
  // The page now speaks the chosen language, and the account holds what was typed.
  await expectText(page.getByTestId('page-title'), /My account/)
  await screenshot('profile')
  await page.reload()
  await expectValue(page.getByTestId('profile-chat-dingtalk'), '13800000042')
  const token = await apiLogin(baseURL, first)
  const me = await apiCall(baseURL, token, 'GET', '/me')
  if (me.email !== `${username}@example.com` || me.locale !== 'en' || me.timezone !== 'Asia/Shanghai' || me.chat_ids.dingtalk !== '13800000042' || me.chat_ids.slack !== 'U0DANA')
    throw new Error(`the account after saving: ${JSON.stringify(me)}`)

  // A wrong current password is refused, and the old password still works.
  await page.getByTestId('password-current').fill('not-my-password')
  await page.getByTestId('password-new').fill('second-pass-456')
  await page.getByTestId('password-again').fill('second-pass-456')
  await page.getByTestId('password-change').click()
  await page.getByTestId('password-error').waitFor()
  await apiLogin(baseURL, first)

  await page.getByTestId('password-current').fill(first.password)
  await page.getByTestId('password-change').click()
  await page.getByTestId('password-error').waitFor({ state: 'hidden' })
  await expectValue(page.getByTestId('password-current'), '')
  await signOut(page)
  await signIn(page, { username, password: 'second-pass-456' })
}
