// Layout at the widths people use (1280 px desktop, 390 px phone) in English and Chinese, page
// by page, measured in the browser: table headers wrap between words, never inside one
// ("Environme / nt"), and are not cut off; ticket serials stay on one line; the user's name in
// the header shows in full; nothing scrolls sideways (page, main area, side menu); workflow node
// names show in full. Also: business options do not repeat their key, and the auditor's
// execution list names people by display name.
import assert from 'node:assert/strict'
import { apiCall, apiLogin, signIn, switchUser } from './helpers.mjs'
import { countVisible, horizontalOverflow, textProblems } from './layout.mjs'

const PAGES = [
  '/',
  '/todo',
  '/execute',
  '/tickets',
  '/services',
  '/audit/executions',
  '/audit/events',
  '/admin/environments',
  '/admin/purposes',
  '/admin/config',
  '/admin/variables',
  '/admin/templates',
  '/admin/workflows',
  '/admin/catalog',
  '/admin/notifications',
  '/admin/users',
  '/admin/roles',
  '/admin/businesses',
  '/me/tokens',
]

const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 800 }

/** Waits (with a deadline) until the page has drawn and no loading mask is left. */
async function settle(page) {
  await page.locator('.el-main').waitFor()
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(() => document.querySelectorAll('.el-loading-mask').length === 0, null, { timeout: 15_000 })
}

/** A workflow whose node names are long, to see them drawn. Returns its id. */
async function longNamedWorkflow(baseURL, users, uniq) {
  const token = await apiLogin(baseURL, users.admin)
  const wf = await apiCall(baseURL, token, 'POST', '/workflows', {
    name: uniq('E2E long names '),
    type: 'change',
    nodes: [
      { key: 'submit', name: 'Submit the change request', type: 'submit', operators: { submitter: true } },
      { key: 'review', name: 'Database administrator review', type: 'approval', operators: { roles: ['ops_lead'] }, rule: 'any' },
      { key: 'run', name: '生产环境数据库变更执行', type: 'execute', operators: { submitter: true } },
      { key: 'end', name: 'End', type: 'end' },
    ],
    transitions: [],
  })
  return wf.id
}

async function checkPages({ page, newPage, baseURL, users, uniq, screenshot }, locale, viewport) {
  const p = viewport === DESKTOP ? page : await newPage({ viewport })
  if (viewport === DESKTOP) await p.setViewportSize(viewport)
  await p.addInitScript((l) => localStorage.setItem('orderly.locale', l), locale)
  await signIn(p, users.qc) // the longest display name of the demo users
  const qcProblems = await textProblems(p, '.user-name')
  assert.equal(await countVisible(p, '.user-name'), 1, 'the header shows the user name')
  const problems = qcProblems.map((x) => `header (qc): ${x}`)

  // A ticket of ops's, to see its serial in the lists.
  const opsToken = await apiLogin(baseURL, users.ops)
  await apiCall(baseURL, opsToken, 'POST', '/tickets', {
    service_id: (await apiCall(baseURL, opsToken, 'GET', '/services')).items.find((s) => s.name === '环境变更').id,
    title: uniq('Layout check '),
    business: 'app01',
    fields: { reason: 'layout', scope: 'app01', window: ['2026-11-28T18:00:00Z', '2026-11-28T20:00:00Z'] },
  })
  const wfId = await longNamedWorkflow(baseURL, users, uniq)
  let headers = 0
  let serials = 0
  const visits = [
    ...['/', '/tickets'].map((path) => ({ user: users.ops, path })),
    ...[...PAGES, `/admin/workflows/${wfId}`].map((path) => ({ user: users.admin, path })),
  ]
  let who = users.qc
  for (const { user, path } of visits) {
    if (user !== who) {
      await switchUser(p, user)
      who = user
    }
    await p.goto(path)
    await settle(p)
    if (path.startsWith('/admin/workflows/')) await p.locator('.vue-flow__node .label').nth(3).waitFor()
    const found = [
      ...(await textProblems(p, '.el-table th .cell')),
      ...(await textProblems(p, '.serial', { singleLine: true })),
      ...(await textProblems(p, '.user-name')),
      ...(await textProblems(p, '.vue-flow__node .label')),
      ...(await horizontalOverflow(p, 'html, body, .el-main, .el-aside .el-scrollbar__wrap')),
      // The reason a notification failed shows in full (wrapped), not cut off.
      ...(await horizontalOverflow(p, '.el-table td .cell:has([data-testid="delivery-last-error"])')),
    ]
    if (path === '/admin/notifications' && !(await countVisible(p, '[data-testid="delivery-last-error"]'))) found.push('no delivery with its last error listed')
    headers += await countVisible(p, '.el-table th .cell')
    serials += await countVisible(p, '.serial')
    if (found.length) await screenshot(`${locale}-${viewport.width}-${path}`, p)
    problems.push(...found.map((x) => `${path} (${user.username}): ${x}`))
  }
  assert.deepEqual(problems, [], `${locale} at ${viewport.width} px:\n${problems.join('\n')}`)
  assert.ok(headers > 20, `only ${headers} table headers looked at`)
  assert.ok(serials > 0, 'no ticket serial looked at')
}

export const englishDesktop = (ctx) => checkPages(ctx, 'en', DESKTOP)
export const chineseDesktop = (ctx) => checkPages(ctx, 'zh-CN', DESKTOP)
export const englishPhone = (ctx) => checkPages(ctx, 'en', PHONE)
export const chinesePhone = (ctx) => checkPages(ctx, 'zh-CN', PHONE)

export async function businessOptionsNameTheKeyOnce({ page, users }) {
  await signIn(page, users.ops)
  await page.goto('/services')
  await page.locator('[data-testid^="service-submit-"]').first().click()
  await page.getByTestId('service-business').click()
  const options = page.locator('.el-select-dropdown:visible .el-select-dropdown__item')
  await options.first().waitFor()
  const texts = await options.allInnerTexts()
  assert.ok(texts.some((t) => t.includes('app01')), `business app01 offered: ${texts.join(' | ')}`)
  for (const t of texts) assert.doesNotMatch(t, /\(([^()]+)\)\s*\(\1\)/, `option "${t}" repeats its key`)
}
