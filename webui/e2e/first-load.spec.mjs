// The first visit over a slow mobile line (Chromium's network emulation: 1.6 Mbps down,
// 750 kbps up, 150 ms latency, no cache): the login page is usable within 3 s and the
// JavaScript loaded until then is at most 250 KB as sent (compressed). Prints the figures.
import assert from 'node:assert/strict'

const LIMIT_MS = 3000
const LIMIT_JS_BYTES = 250 * 1024

export async function loginPageOnASlowLine({ newPage }) {
  const page = await newPage()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6e6 / 8) | 0,
    uploadThroughput: (750e3 / 8) | 0,
  })
  const responses = new Map()
  cdp.on('Network.responseReceived', (e) => {
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]))
    responses.set(e.requestId, { url: e.response.url, type: e.type, encoding: h['content-encoding'] ?? 'identity', bytes: 0, done: false })
  })
  cdp.on('Network.loadingFinished', (e) => {
    const r = responses.get(e.requestId)
    if (r) Object.assign(r, { bytes: e.encodedDataLength, done: true })
  })

  await page.goto('/login', { waitUntil: 'commit' })
  // Usable: the form is drawn and styled (the button has its Element Plus look) and can be typed in.
  const usableMs = await page.waitForFunction(
    () => {
      const button = document.querySelector('[data-testid="login-submit"]')
      const input = document.querySelector('[data-testid="login-username"]')
      if (!button || !input || button.disabled || !button.getClientRects().length) return false
      if (!getComputedStyle(button).backgroundColor || getComputedStyle(button).borderRadius === '0px') return false
      return performance.now()
    },
    null,
    { polling: 'raf', timeout: 30_000 },
  )
  const ms = Math.round(await usableMs.jsonValue())
  const scripts = [...responses.values()].filter((r) => r.type === 'Script')
  const jsBytes = scripts.reduce((n, r) => n + r.bytes, 0)
  const all = [...responses.values()].reduce((n, r) => n + r.bytes, 0)
  console.log(`     first load at 1.6 Mbps / 150 ms: login page usable after ${ms} ms; ${scripts.length} scripts, ${(jsBytes / 1024).toFixed(1)} KB of JavaScript, ${(all / 1024).toFixed(1)} KB in all`)
  for (const r of scripts) console.log(`       ${(r.bytes / 1024).toFixed(1).padStart(7)} KB ${r.encoding.padEnd(8)} ${new URL(r.url).pathname}`)
  const plain = scripts.filter((r) => r.encoding === 'identity' && r.bytes > 2048).length
  assert.ok(
    jsBytes <= LIMIT_JS_BYTES,
    `${(jsBytes / 1024).toFixed(1)} KB of JavaScript before the login page is usable (at most ${LIMIT_JS_BYTES / 1024} KB)` +
      (plain ? `; ${plain} scripts came uncompressed: does the server send the build's .br/.gz files?` : ''),
  )
  assert.ok(ms <= LIMIT_MS, `the login page is usable after ${ms} ms (at most ${LIMIT_MS} ms)`)
}
