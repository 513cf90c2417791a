// Every page opens without an error, in 中文 and in English, at 1280 px and on a phone: the
// admin walks the whole menu; the pages show their data from the demo.
import assert from 'node:assert/strict'
import { signIn, switchLanguage } from './helpers.mjs'

const PAGES = [
  ['/', 'greeting'],
  ['/submit', 'env-tabs'],
  ['/services', 'catalog-tree'],
  ['/todo', 'todo-list'],
  ['/execute', 'execute-table'],
  ['/tickets', 'tickets-table'],
  ['/audit/executions', 'history-table'],
  ['/audit/events', 'audit-table'],
  ['/admin/environments', 'env-table'],
  ['/admin/purposes', 'purpose-table'],
  ['/admin/config', 'config-table'],
  ['/admin/variables', 'variable-table'],
  ['/admin/templates', 'template-table'],
  ['/admin/workflows', 'workflow-table'],
  ['/admin/catalog', 'admin-catalog-tree'],
  ['/admin/notifications', 'delivery-table'],
  ['/admin/users', 'user-table'],
  ['/admin/roles', 'role-table'],
  ['/admin/businesses', 'business-table'],
  ['/me/tokens', 'token-table'],
]

async function walk(page, screenshot, tag) {
  const errors = []
  page.on('response', (r) => {
    if (r.url().includes('/api/') && r.status() >= 500) errors.push(`${r.status()} ${r.url()}`)
  })
  for (const [path, testid] of PAGES) {
    await page.goto(path)
    await page.getByTestId(testid).first().waitFor()
    await page.waitForLoadState('networkidle')
    // Every request of the page has been answered (network idle): an error toast would show now.
    const toast = page.locator('.el-message--error')
    if (await toast.count()) assert.fail(`${path} shows an error: ${await toast.first().innerText()}`)
    if (['/', '/submit', '/admin/templates', '/audit/executions'].includes(path)) await screenshot(`${tag}${path.replace(/\//g, '_') || '_home'}`)
  }
  assert.deepEqual(errors, [], 'no server errors')
}

export async function everyPageInBothLanguages({ page, users, screenshot }) {
  await signIn(page, users.admin)
  await switchLanguage(page, 'zh-CN')
  await page.getByTestId('side-menu').getByText('提单', { exact: true }).waitFor()
  await walk(page, screenshot, 'zh')
  await switchLanguage(page, 'en')
  await walk(page, screenshot, 'en')
  // The demo's data shows: the template cards on the submit page, the catalog service.
  await page.goto('/submit?env=PROD')
  await page.locator('[data-testid^="template-card-"][data-name="Deploy app01"]').waitFor()
  await page.goto('/services')
  await page.getByTestId('service-card-环境变更').waitFor()
}

export async function everyPageOnAPhone({ newPage, users, screenshot }) {
  const phone = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  await signIn(phone, users.admin)
  await walk(phone, (name) => screenshot(name, phone), 'phone')
  const width = await phone.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 400, `the page does not scroll sideways on a phone (${width} px)`)
}
