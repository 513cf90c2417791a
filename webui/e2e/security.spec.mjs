// The UI runs under the server's Content-Security-Policy (no eval, no outside sources, no
// framing), and the runner's CSP guard really catches a violation.
import assert from 'node:assert/strict'
import { signIn, until } from './helpers.mjs'

export async function uiIsServedWithCspAndWorksUnderIt({ page, admin }) {
  const res = await page.goto('/login')
  const headers = res.headers()
  const csp = headers['content-security-policy'] ?? ''
  assert.match(csp, /default-src 'self'/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.doesNotMatch(csp, /unsafe-eval/)
  assert.equal(headers['x-frame-options'], 'DENY')
  assert.equal(headers['referrer-policy'], 'same-origin')
  assert.equal(headers['x-content-type-options'], 'nosniff')
  // Signing in renders translated messages (vue-i18n's compiler) and Element Plus components:
  // the runner fails this test on any CSP violation they cause.
  await signIn(page, admin)
  await page.goto('/admin/workflows')
  await page.waitForLoadState('networkidle')
}

export async function cspGuardCatchesViolations({ page, cspViolations }) {
  await page.goto('/login')
  await page.getByTestId('login-username').waitFor()
  // An inline script is refused by the policy (script-src 'self'); the guard must see it.
  // (page.evaluate itself runs through DevTools, which the policy does not apply to.)
  const ran = await page.evaluate(() => {
    const s = document.createElement('script')
    s.textContent = 'window.__inlineRan = true'
    document.head.appendChild(s)
    return window.__inlineRan === true
  })
  assert.equal(ran, false)
  await until('the CSP guard to see the violation', () => cspViolations.length > 0, { timeout: 5000 })
  assert.match(cspViolations.join(' '), /script-src/)
  cspViolations.length = 0 // expected here; any other violation still fails the test
}

export async function staticFilesAreCompressed({ baseURL }) {
  const html = await (await fetch(`${baseURL}/`)).text()
  const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
  assert.ok(scripts.length > 0, 'index.html links no assets')
  for (const path of scripts) {
    const plain = await fetch(`${baseURL}${path}`, { headers: { 'Accept-Encoding': 'identity' } })
    const br = await fetch(`${baseURL}${path}`, { headers: { 'Accept-Encoding': 'br' } })
    const original = await plain.clone().text()
    if (Buffer.byteLength(original) < 1024) {
      // The build does not compress files under 1 KiB (vite.config.ts): they go as they are.
      assert.equal(br.headers.get('content-encoding'), null, path)
      assert.equal(await br.text(), original, path)
      continue
    }
    assert.equal(br.headers.get('content-encoding'), 'br', path)
    assert.equal(br.headers.get('vary'), 'Accept-Encoding', path)
    assert.match(br.headers.get('cache-control') ?? '', /immutable/, path)
    // fetch decodes the body: it must be the same file.
    assert.equal(await br.text(), await plain.text(), path)
  }
}
