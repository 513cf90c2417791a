// Freeze windows on the change calendar: an admin creates a hard freeze on PROD for two days from
// now in the freeze windows page; the calendar shows it shaded and lists it; the .ics download
// carries it; deleting it takes it off the calendar.
import { apiCall, apiLogin, expectText, openMenu, pickOptions, signIn, until } from './helpers.mjs'

const pad = (n) => String(n).padStart(2, '0')
const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:00`

async function typeDate(page, input, value) {
  await input.click()
  await input.fill(value)
  await input.press('Enter')
  await until(`the date ${value}`, async () => (await input.inputValue()) === value)
}

export async function freezeOnTheCalendar({ page, users, baseURL, screenshot, uniq }) {
  const name = uniq('春节封网 ')
  const start = new Date(Date.now() + 2 * 86400_000)
  start.setMinutes(0, 0, 0)
  const end = new Date(start.getTime() + 6 * 3600_000)

  await signIn(page, users.admin)
  await page.getByTestId('menu-group-admin').click()
  await openMenu(page, 'menu-admin-freezes')
  await page.getByTestId('freeze-new').click()
  const dialog = page.getByTestId('freeze-dialog')
  await dialog.getByTestId('freeze-name').fill(name)
  await pickOptions(page, dialog.getByTestId('freeze-environments'), ['PROD'], { multiple: true })
  await dialog.getByTestId('freeze-reason').fill('节前稳定期')
  await typeDate(page, dialog.getByTestId('freeze-start').locator('input'), local(start))
  await typeDate(page, dialog.getByTestId('freeze-end').locator('input'), local(end))
  await dialog.getByTestId('freeze-save').click()
  await dialog.waitFor({ state: 'hidden' })
  const row = page.getByTestId('freeze-table').locator('tr', { hasText: name }).first()
  await row.waitFor()
  const id = Number((await row.locator('[data-testid^="freeze-edit-"]').getAttribute('data-testid')).replace('freeze-edit-', ''))
  await screenshot('freeze-windows')

  // The calendar: shaded, and listed with its times in the reader's time zone.
  await openMenu(page, 'menu-calendar')
  await page.waitForURL(/\/calendar$/)
  const item = page.getByTestId(`calendar-freeze-item-${id}`)
  await item.waitFor()
  await expectText(item, new RegExp(name))
  await expectText(item, new RegExp(local(start).slice(0, 16)))
  await page.locator(`[data-testid="calendar-freeze-${id}"]`).first().waitFor()
  await screenshot('calendar-freeze')

  // The .ics of the same range carries it.
  const token = await apiLogin(baseURL, users.admin)
  const from = new Date(start.getTime() - 86400_000).toISOString()
  const to = new Date(end.getTime() + 86400_000).toISOString()
  const res = await fetch(`${baseURL}/api/v1/calendar.ics?from=${from}&to=${to}`, { headers: { Authorization: `Bearer ${token}` } })
  const ics = await res.text()
  if (!res.ok || !ics.includes('BEGIN:VCALENDAR') || !ics.includes(name)) throw new Error(`calendar.ics: ${res.status} ${ics.slice(0, 400)}`)

  // Deleting it releases PROD and takes it off the calendar.
  await apiCall(baseURL, token, 'DELETE', `/freeze-windows/${id}`)
  await page.reload()
  await page.getByTestId('calendar-page').waitFor()
  await until('the freeze to leave the calendar', async () => (await page.getByTestId(`calendar-freeze-item-${id}`).count()) === 0)
}
