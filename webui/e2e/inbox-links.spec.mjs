// Approving from the email, on a phone, and the submitter's bell: ops submits a change; the
// lead's email carries a one-click link (read as an admin reads what was sent); the lead opens it
// on a phone without signing in and approves; the link then says it was used; ops's bell counts
// the news, the inbox lists it, and opening it marks it read.
import { apiCall, apiLogin, expectText, signIn, until } from './helpers.mjs'

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }

async function linkOf(baseURL, adminToken, ticketId, userId) {
  const rows = await apiCall(baseURL, adminToken, 'GET', `/notifications?ticket_id=${ticketId}`)
  for (const n of rows.items) {
    if (n.event !== 'node.waiting' || n.user_id !== userId) continue
    const one = await apiCall(baseURL, adminToken, 'GET', `/notifications/${n.id}`)
    const m = /\/act\/([A-Za-z0-9_-]+)/.exec(one.body_text)
    if (m) return `/act/${m[1]}`
  }
  throw new Error(`no one-click link for user ${userId} about ticket ${ticketId}`)
}

export async function approveFromTheEmailOnAPhone({ page, users, baseURL, screenshot, uniq, newPage }) {
  const opsToken = await apiLogin(baseURL, users.ops)
  const leadToken = await apiLogin(baseURL, users.lead)
  const adminToken = await apiLogin(baseURL, users.admin)
  const title = uniq('更换 app02 网卡 ')
  const service = (await apiCall(baseURL, opsToken, 'GET', '/services')).items.find((s) => s.name === '环境变更')
  const t = await apiCall(baseURL, opsToken, 'POST', '/tickets', {
    service_id: service.id,
    title,
    business: 'app01',
    fields: { reason: '网卡故障', scope: 'app02', window: ['2026-12-20T18:00:00Z', '2026-12-20T20:00:00Z'] },
  })
  const lead = await apiCall(baseURL, leadToken, 'GET', '/me')
  const link = await linkOf(baseURL, adminToken, t.id, lead.id)

  // Ops's bell before the news.
  await signIn(page, users.ops)
  const bell = page.getByTestId('inbox-bell')
  await bell.waitFor()
  const before = Number(await bell.getAttribute('data-unread'))

  // The lead, on a phone, not signed in: sees the ticket and approves.
  const phone = await newPage(PHONE)
  await phone.goto(link)
  await expectText(phone.getByTestId('act-title'), new RegExp(title))
  await screenshot('act-page-phone', phone)
  await phone.getByTestId('act-text').fill('可以，按计划执行')
  await phone.getByTestId('act-approve').click()
  await phone.getByTestId('act-done').waitFor()
  // The link works once.
  await phone.goto(link)
  await expectText(phone.getByTestId('act-error'), /used|已被使用/)

  // Ops's bell counts the news (the step that now waits for ops); the inbox lists it.
  await page.reload()
  await until('the bell to count the news', async () => Number(await page.getByTestId('inbox-bell').getAttribute('data-unread')) > before)
  await page.getByTestId('inbox-bell').click()
  await page.waitForURL(/\/me\/inbox$/)
  const item = page.getByTestId('inbox-list').locator('[data-read="false"]', { hasText: title }).first()
  await item.waitFor()
  await screenshot('inbox')
  const unreadBefore = Number(await page.getByTestId('inbox-bell').getAttribute('data-unread'))
  await item.click()
  await page.waitForURL(new RegExp(`/tickets/${t.id}$`))
  await until('opening it to mark it read', async () => Number(await page.getByTestId('inbox-bell').getAttribute('data-unread')) === unreadBefore - 1)
  // The timeline says the lead approved through the link.
  const steps = await apiCall(baseURL, opsToken, 'GET', `/tickets/${t.id}`)
  const approve = steps.steps.find((s) => s.action === 'approve')
  if (!approve || approve.actor !== 'lead' || approve.detail?.via !== 'link') throw new Error(`approve step: ${JSON.stringify(approve)}`)
}
