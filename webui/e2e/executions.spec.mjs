// The live log of a long task: output shows while it runs, cancel stops it, retry runs it again
// (a new execution), and the result shows the exit code and the duration.
import { apiCall, apiLogin, expectCount, expectSuccess, expectText, pickOptions, signIn } from './helpers.mjs'

export async function followCancelRetry({ page, users, baseURL, screenshot, uniq }) {
  // A template without approval whose task prints, then waits.
  const adminToken = await apiLogin(baseURL, users.admin)
  const name = uniq('Slow task ')
  await apiCall(baseURL, adminToken, 'POST', '/templates', {
    name,
    environment: 'STAGE',
    purpose: 'DeployDocker',
    command: `sh -c 'echo started on {AnsibleHosts}; sleep 30; echo never'`,
    variables: [{ name: 'AnsibleHosts', required: true }],
    submit_roles: ['ops'],
    timeout_s: 120,
  })

  await signIn(page, users.ops)
  await page.goto('/submit?env=STAGE')
  await page.locator(`[data-testid^="template-card-"][data-name="${name}"]`).click()
  const drawer = page.getByTestId('submit-drawer')
  await pickOptions(page, drawer.getByTestId('var-AnsibleHosts'), ['host2'], { multiple: true })
  await drawer.getByTestId('submit-execute-button').click()
  await expectSuccess(page.getByTestId('log-viewer'), drawer.getByTestId('submit-error'), 'submit and execute')
  await page.waitForURL(/\/executions\/\d+/)
  const first = page.url()

  // The output arrives while the task runs.
  await page.getByTestId('log-output').getByText('started on host2').waitFor()
  await expectCount(page.getByTestId('execution-result'), 0)
  await screenshot('running')

  // Cancel it.
  await page.getByTestId('execution-cancel').click()
  await page.locator('.el-message-box').getByRole('button', { name: 'Cancel execution' }).click()
  await page.locator('[data-testid="log-viewer"][data-status="cancelled"]').waitFor({ timeout: 30_000 })
  await expectText(page.getByTestId('execution-result'), /Cancelled/)
  await screenshot('cancelled')

  // Retry: a new execution, followed the same way.
  await page.getByTestId('execution-retry').click()
  await page.waitForURL((u) => u.href !== first && /\/executions\/\d+/.test(u.href))
  await page.getByTestId('log-output').getByText('started on host2').waitFor()
  await page.locator('[data-testid="log-viewer"][data-status="running"]').waitFor()
  await page.getByTestId('execution-cancel').click()
  await page.locator('.el-message-box').getByRole('button', { name: 'Cancel execution' }).click()
  await page.locator('[data-testid="log-viewer"][data-status="cancelled"]').waitFor({ timeout: 30_000 })
  await page.getByTestId('execution-duration').waitFor()
}
