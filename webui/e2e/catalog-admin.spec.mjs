// The admin's catalog pages, click by click: config center (revisions, diff, rollback, a secret
// never shown), a registered variable, and a template whose command is checked as it is typed
// (placeholders highlighted, argv previewed, shell operators refused) with the server's errors
// next to the field and nothing typed lost.
import assert from 'node:assert/strict'
import { expectText, pickOptions, signIn, until } from './helpers.mjs'

export async function configCenter({ page, users, screenshot, uniq }) {
  await signIn(page, users.admin)
  await page.goto('/admin/config')
  // Other specs add environments that may sort before PROD: pick its tab, not the first one.
  await page.getByTestId('config-env-tabs').getByRole('tab', { name: 'PROD', exact: true }).click()
  await page.getByTestId('config-table').getByText('git.base_url', { exact: true }).first().waitFor()
  const key = uniq('ansible.inventory.')
  const dialog = page.getByTestId('config-dialog')

  // Create, then change twice: three revisions.
  await page.getByTestId('config-new').click()
  await dialog.getByTestId('config-key').fill(key)
  await dialog.getByTestId('config-value').fill('[web]\nhost1')
  await dialog.getByTestId('config-save').click()
  await dialog.waitFor({ state: 'hidden' })
  for (const value of ['[web]\nhost1\nhost2', '[web]\nhost2']) {
    await page.getByTestId(`config-edit-${key}`).click()
    await dialog.getByTestId('config-value').fill(value)
    await dialog.getByTestId('config-save').click()
    await dialog.waitFor({ state: 'hidden' })
  }

  // History: compare revisions 1 and 2, then roll back to 2.
  await page.getByTestId(`config-history-${key}`).click()
  const history = page.getByTestId('config-history')
  await history.locator('tr', { hasText: 'Set' }).nth(2).waitFor()
  const rows = history.locator('tbody tr')
  await rows.nth(1).locator('.el-checkbox').click() // revision 2
  await rows.nth(2).locator('.el-checkbox').click() // revision 1
  await history.getByTestId('config-compare').click()
  const diff = history.getByTestId('config-diff')
  await diff.waitFor()
  await expectText(diff, /\+ host2/)
  await screenshot('config-diff')
  await history.getByTestId('config-rollback-2').click()
  await page.locator('.el-message-box').getByRole('button', { name: 'Roll back to this' }).click()
  await history.getByText('restores revision 2').waitFor()
  await page.keyboard.press('Escape')
  const row = page.getByTestId('config-table').locator('tr', { hasText: key }).first()
  await expectText(row, /host1\s+host2/)

  // A secret: stored, listed as ******, its value nowhere in the page.
  const secretKey = uniq('db.password.')
  const secret = `s3cr3t-${uniq('')}`
  await page.getByTestId('config-new').click()
  await dialog.getByTestId('config-key').fill(secretKey)
  await dialog.getByTestId('config-secret').click()
  await dialog.getByTestId('config-value').fill(secret)
  await dialog.getByTestId('config-save').click()
  await dialog.waitFor({ state: 'hidden' })
  await page.getByTestId(`config-secret-${secretKey}`).waitFor()
  await page.getByTestId(`config-history-${secretKey}`).click()
  await page.getByTestId('config-history').locator('tbody tr').first().waitFor()
  assert.equal((await page.content()).includes(secret), false, 'the secret never reaches the page')
  await screenshot('config-secret-masked')
}

export async function variableAndTemplate({ page, users, screenshot, uniq }) {
  await signIn(page, users.admin)

  // A registered variable with a JSON list, as an external script would send it.
  const varName = uniq('Hosts_').replace(/[^A-Za-z0-9_]/g, '_')
  await page.goto('/admin/variables')
  await page.getByTestId('variable-new').click()
  const vd = page.getByTestId('variable-dialog')
  await vd.getByTestId('variable-name').fill(varName)
  await vd.getByTestId('variable-label').fill('主机')
  await vd.getByTestId('variable-multiple').click()
  // Its values are the hosts a run addresses (the confirmation before a protected run lists them).
  await vd.getByTestId('variable-hosts-switch').click()
  await vd.getByTestId('variable-options').fill('["web1","web2"')
  await vd.getByTestId('variable-save').click()
  await vd.getByText('Not a valid JSON list').waitFor()
  await vd.getByTestId('variable-options').fill('["web1","web2"]')
  await vd.getByTestId('variable-save').click()
  await vd.waitFor({ state: 'hidden' })
  await page.getByTestId('variable-table').locator('tr', { hasText: varName }).getByText('web2', { exact: true }).waitFor()
  await page.getByTestId(`variable-hosts-${varName}`).waitFor()

  // A template: the command editor checks as you type.
  await page.goto('/admin/templates')
  await page.getByTestId('template-new').click()
  const drawer = page.getByTestId('template-drawer')
  const tplName = uniq('Deploy web ')
  await drawer.getByTestId('template-name').fill(tplName)
  await pickOptions(page, drawer.getByTestId('template-environment'), ['STAGE'])
  await pickOptions(page, drawer.getByTestId('template-purpose'), ['DeployGit'])
  await drawer.getByTestId('template-internal-add').click()
  await drawer.getByTestId('template-internal-key-0').fill('Proj')
  await drawer.getByTestId('template-internal-value-0').fill('web')
  const command = drawer.getByTestId('template-command')
  await command.fill(`deploy.sh -p "{Proj}" -i {${varName}} | tee log`)
  await drawer.getByTestId('command-problem').getByText('shell operator').waitFor()
  await command.fill(`deploy.sh -p "{Proj}" -i {${varName}} --repo {config.git.base_url}`)
  await drawer.getByTestId('command-problem').getByText(`{${varName}} is not a variable of this template`).waitFor()
  await drawer.getByTestId('template-var-add').click()
  await pickOptions(page, drawer.getByTestId('template-var-name-0'), [varName])
  await drawer.getByTestId('command-problem').waitFor({ state: 'detached' })
  await expectText(drawer.getByTestId('command-argv'), /deploy\.sh/)
  await expectText(drawer.getByTestId('command-argv'), /web/)
  await screenshot('template-editor')

  // The server has the last word: a duplicate name comes back next to the form, and nothing typed is lost.
  await drawer.getByTestId('template-name').fill('Deploy app01')
  await pickOptions(page, drawer.getByTestId('template-environment'), ['PROD'])
  await drawer.getByTestId('template-save').click()
  await drawer.getByTestId('template-error').waitFor()
  await until('the command typed to stay', async () => /--repo \{config\.git\.base_url\}/.test(await command.inputValue()))
  await drawer.getByTestId('template-name').fill(tplName)
  await drawer.getByTestId('template-save').click()
  await page.locator('.el-message--success', { hasText: 'Saved' }).waitFor()
  await page.keyboard.press('Escape')
  await page.getByTestId('template-table').locator('tr', { hasText: tplName }).first().waitFor()
}
