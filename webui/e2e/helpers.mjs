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
