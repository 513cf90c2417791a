// Shared steps for e2e/*.spec.mjs (this file is not a spec: its exports are not tests).

/** Signs in through the login form and waits for the home page. */
export async function signIn(page, { username, password }) {
  await page.goto('/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('greeting').waitFor()
}

/** Switches the UI language with the header control ('en' or 'zh-CN'). */
export async function switchLanguage(page, code) {
  await page.getByTestId('lang-switcher').click()
  await page.getByTestId(`lang-${code}`).click()
}

/** Calls the API directly (for test set-up), as `token`'s user. Returns the parsed body. */
export async function apiCall(baseURL, token, method, path, body) {
  const res = await fetch(`${baseURL}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  const data = text ? JSON.parse(text) : undefined
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`)
  return data
}

/** A login token for `user` obtained over the API. */
export async function apiLogin(baseURL, { username, password }) {
  return (await apiCall(baseURL, null, 'POST', '/auth/login', { username, password })).token
}

/** Clicks a side-menu entry; on a phone the menu is a drawer, opened first. */
export async function openMenu(page, testid) {
  const item = page.getByTestId(testid)
  // The menu shows, or (on a phone) the button that opens it: then look which one.
  await item.or(page.getByTestId('menu-toggle')).first().waitFor()
  if (!(await item.isVisible())) {
    await page.getByTestId('menu-toggle').click()
    await item.waitFor()
  }
  await item.click()
}

/** Signs out through the user menu (when signed in) and waits for the login page. */
export async function signOut(page) {
  if (page.url() === 'about:blank') return
  // A page of the app shows either the user menu (signed in) or the login form.
  await page.getByTestId('user-menu').or(page.getByTestId('login-submit')).first().waitFor()
  if (!(await page.getByTestId('user-menu').isVisible())) return
  await page.getByTestId('user-menu').click()
  await page.getByTestId('logout').click()
  await page.waitForURL(/\/login/)
}

/** Signs out whoever is signed in, then signs in as `user` through the form. */
export async function switchUser(page, user) {
  await signOut(page)
  await signIn(page, user)
}

/**
 * Picks options in an Element Plus select: clicks it open, clicks each option by its text in the
 * dropdown that is showing, and closes a multiple select again.
 */
export async function pickOptions(page, select, texts, { multiple = false } = {}) {
  await select.click()
  for (const text of [].concat(texts)) {
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: text }).first().click()
  }
  if (multiple) {
    await page.keyboard.press('Escape')
    await page.locator('.el-select-dropdown:visible').waitFor({ state: 'hidden' }).catch(() => {})
  }
}

/** Waits until the ticket page shows `status` (the page reloads the ticket now and then). */
export async function expectTicketStatus(page, status, timeout = 30_000) {
  await page.locator(`[data-testid="ticket-status"][data-status="${status}"]`).waitFor({ timeout })
}

/** Opens the todo list and the ticket titled `title` in it. */
export async function openFromTodo(page, title) {
  await openMenu(page, 'menu-todo')
  await page.waitForURL(/\/todo$/)
  const row = page.getByTestId('todo-list').locator('tr, [data-testid^="ticket-row-"]', { hasText: title }).first()
  await row.waitFor()
  await row.click()
  await page.waitForURL(/\/tickets\/\d+/)
  await page.getByTestId('ticket-title').waitFor()
}

/** The ticket id of the ticket page that is open. */
export function ticketIdOf(page) {
  const m = /\/tickets\/(\d+)/.exec(page.url())
  if (!m) throw new Error(`not on a ticket page: ${page.url()}`)
  return Number(m[1])
}

/**
 * Waits for `success` to show; when `failure` (an error alert) shows first, fails at once with
 * its text, so a report says what the server answered instead of timing out.
 */
export async function expectSuccess(success, failure, what, timeout = 30_000) {
  const which = await Promise.race([
    success.waitFor({ timeout }).then(() => 'ok'),
    failure.waitFor({ timeout }).then(() => 'error'),
  ])
  if (which === 'error') throw new Error(`${what} failed: ${(await failure.innerText()).trim()}`)
}

/**
 * Init script for every page: the browser reports each Content-Security-Policy violation as a
 * `securitypolicyviolation` event; this logs it to the console, where watchCsp collects it.
 */
export function reportCspViolations() {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(
      `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'} (${e.sourceFile || 'page'}:${e.lineNumber})`,
    )
  })
}

/**
 * Polls `check` (sync or async) until it returns a truthy value and returns that value; fails
 * after `timeout` ms with `what` and the last value seen. Use it for every read of something that
 * loads asynchronously: a wait is a condition, never a fixed delay.
 */
export async function until(what, check, { timeout = 15_000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    try {
      last = await check()
      if (last) return last
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`)
    await new Promise((r) => setTimeout(r, interval))
  }
}

/** Waits until `locator`'s text matches `pattern` (a RegExp or a substring); returns the text. */
export async function expectText(locator, pattern, opts) {
  let text = ''
  const ok = (s) => (pattern instanceof RegExp ? pattern.test(s) : s.includes(pattern))
  await until(`text ${pattern} in ${locator}`, async () => ok((text = await locator.first().innerText({ timeout: 1000 }))), opts).catch((e) => {
    throw new Error(`${e.message}; text was ${JSON.stringify(text)}`)
  })
  return text
}

/** Waits until the input `locator` holds exactly `value`. */
export async function expectValue(locator, value, opts) {
  let v
  await until(`value ${JSON.stringify(value)} in ${locator}`, async () => (v = await locator.inputValue({ timeout: 1000 })) === value, opts).catch((e) => {
    throw new Error(`${e.message}; value was ${JSON.stringify(v)}`)
  })
}

/** Waits until `locator` matches exactly `n` elements. */
export async function expectCount(locator, n, opts) {
  let c
  await until(`${n} × ${locator}`, async () => (c = await locator.count()) === n, opts).catch((e) => {
    throw new Error(`${e.message}; count was ${c}`)
  })
}

/**
 * Collects the CSP violations of `page` into `sink`: those the init script above reports, and
 * Chromium's own "Refused to ... Content Security Policy" console errors (which also cover
 * violations before the script runs). The runner fails a test whose pages had any.
 */
export function watchCsp(page, sink) {
  page.on('console', (msg) => {
    const text = msg.text()
    if (/CSP violation|Content Security Policy/i.test(text)) sink.push(`${page.url()}: ${text}`)
  })
}

/**
 * Picks a range in an Element Plus date-time range picker (`picker` is its element): types the
 * start and end ("2026-11-22 02:00") into its two inputs, each confirmed with Enter. `picker` may be
 * any element around it (e.g. its form item).
 */
export async function pickDateTimeRange(page, picker, start, end) {
  const inputs = picker.locator('input')
  const panel = page.locator('.el-picker-panel:visible')
  await inputs.first().click()
  await panel.first().waitFor()
  await inputs.first().fill(start)
  await inputs.first().press('Enter')
  await inputs.nth(1).click()
  await inputs.nth(1).fill(end)
  await inputs.nth(1).press('Enter')
  // Enter in the end input takes the typed range and closes the panel.
  await panel.first().waitFor({ state: 'hidden' })
  await until(`the range ${start} – ${end}`, async () => (await inputs.first().inputValue()) === start && (await inputs.nth(1).inputValue()) === end)
}
