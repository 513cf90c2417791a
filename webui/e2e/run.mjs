#!/usr/bin/env node
// Browser tests for the Orderly web UI, driven by playwright-core in Debian's Chromium.
//
//   ORDERLY_URL=http://127.0.0.1:18080 npm run e2e   # a server started with `orderly serve --demo`
//   npm run e2e -- smoke           # only tests whose "file › name" contains "smoke"
//
// Without ORDERLY_URL the runner starts ../build/orderly (or $ORDERLY_BIN) itself with `--demo`
// (fresh database in a temp directory, the UI from ./dist) and stops it at the end. The demo data holds both
// scenarios (A: a deployment, B: an environment change) and the users admin, ops, lead, lead2, qc, product and auditor, each
// with the password `<name>-demo-pass` (ORDERLY_ADMIN_USER / ORDERLY_ADMIN_PASSWORD override the
// admin's for an ORDERLY_URL server).
//
// A test file is e2e/<name>.spec.mjs; every exported async function is one test and receives
// a context { page, browserContext, baseURL, admin: {username, password}, users: {name:
// {username, password}}, newPage(options), screenshot(name, page?), uniq(prefix) }. `newPage`
// opens a page in a new browser context (another user at the same time, or a phone-sized
// viewport), guarded like the first one. Use node:assert. Screenshots land in e2e/artifacts/ (a
// failing test always leaves one per open page). Requests to any host other than the server
// under test are blocked and fail the test: the UI must not load anything from outside.
//
// There is no way to skip a test: a test that cannot pass yet fails, and says why.
// Prints one line per test, the failed ones again at the end, and a final "N passed, M failed";
// exits non-zero on any failure.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { randomBytes } from 'node:crypto'
import { chromium } from 'playwright-core'
import { reportCspViolations, watchCsp } from './helpers.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const webui = resolve(here, '..')
const artifacts = join(here, 'artifacts')
const TEST_TIMEOUT_MS = Number(process.env.ORDERLY_E2E_TIMEOUT_MS ?? 120_000)
const filter = process.argv[2] ?? ''

mkdirSync(artifacts, { recursive: true })

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => res(port))
    })
  })
}

async function waitHealthy(url, ms) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/healthz`)
      if (r.ok) return
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`server at ${url} did not become healthy within ${ms} ms`)
}

const DEMO_USERS = ['admin', 'ops', 'lead', 'lead2', 'qc', 'product', 'auditor']

/** Starts build/orderly --demo on a free port with a throw-away database. */
async function startServer() {
  const bin = process.env.ORDERLY_BIN ? resolve(process.env.ORDERLY_BIN) : resolve(webui, '..', 'build', 'orderly')
  if (!existsSync(bin)) throw new Error(`ORDERLY_URL is not set and ${bin} does not exist (build the server first)`)
  if (!existsSync(join(webui, 'dist', 'index.html'))) throw new Error('webui/dist is missing: run `npm run build` first')
  const dir = mkdtempSync(join(tmpdir(), 'orderly-e2e-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const log = []
  // No ORDERLY_ADMIN_PASSWORD: an admin created from it would make --demo skip its data.
  const { ORDERLY_ADMIN_PASSWORD: _ignored, ...env } = process.env
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--db', join(dir, 'orderly.db'), '--demo'], {
    env: {
      ...env,
      ORDERLY_UI_DIR: join(webui, 'dist'),
      ORDERLY_SECRET_KEY_FILE: join(dir, 'secret.key'),
      ORDERLY_BASE_URL: url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.on('data', (d) => log.push(d))
  child.stderr.on('data', (d) => log.push(d))
  const exited = new Promise((res) => child.on('exit', res))
  try {
    await Promise.race([
      waitHealthy(url, 20_000),
      exited.then((code) => {
        throw new Error(`server exited with ${code}:\n${Buffer.concat(log).toString()}`)
      }),
    ])
  } catch (e) {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return {
    url,
    bin,
    log,
    async stop() {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(t)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms)
    }),
  ])
}

function safeName(s) {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_')
}

async function main() {
  let server = null
  let baseURL = process.env.ORDERLY_URL?.replace(/\/+$/, '')
  const users = Object.fromEntries(DEMO_USERS.map((u) => [u, { username: u, password: `${u}-demo-pass` }]))
  if (baseURL && process.env.ORDERLY_ADMIN_PASSWORD) {
    users.admin = { username: process.env.ORDERLY_ADMIN_USER || 'admin', password: process.env.ORDERLY_ADMIN_PASSWORD }
  }

  const files = readdirSync(here)
    .filter((f) => f.endsWith('.spec.mjs'))
    .sort()
  const tests = []
  for (const f of files) {
    const mod = await import(pathToFileURL(join(here, f)).href)
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== 'function') continue
      const id = `${basename(f, '.spec.mjs')} › ${name}`
      // A test that waits for the clock (a change window's minute) may say how long it needs:
      // `export const timeouts = { name: ms }` beside it.
      const timeout = mod.timeouts?.[name] ?? TEST_TIMEOUT_MS
      if (!filter || id.includes(filter)) tests.push({ id, fn, timeout })
    }
  }
  if (tests.length === 0) {
    console.log(`no tests found${filter ? ` matching "${filter}"` : ''}`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }

  let passed = 0
  let failed = 0
  const failures = []
  let browser = null
  try {
    if (!baseURL) {
      server = await startServer()
      baseURL = server.url
      console.log(`started ${server.bin} --demo at ${baseURL}`)
    }
    const origin = new URL(baseURL).origin

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })

    for (const { id, fn, timeout } of tests) {
      const started = Date.now()
      // This test's screenshots from an earlier run would mislead: remove them.
      for (const f of readdirSync(artifacts)) if (f.startsWith(`${safeName(id)}-`)) rmSync(join(artifacts, f), { force: true })
      const outside = []
      const pageErrors = []
      const cspViolations = []
      const contexts = []
      const pages = []
      const openContext = async (options = {}) => {
        const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, locale: 'en-US', ...options })
        await context.route('**/*', (route) => {
          const u = route.request().url()
          if (u.startsWith('data:') || u.startsWith('blob:') || new URL(u).origin === origin) return route.continue()
          outside.push(u)
          return route.abort('blockedbyclient')
        })
        await context.addInitScript(reportCspViolations)
        const p = await context.newPage()
        p.on('pageerror', (e) => pageErrors.push(e.message))
        watchCsp(p, cspViolations)
        contexts.push(context)
        pages.push(p)
        return { context, page: p }
      }
      const { context, page } = await openContext()
      let shot = 0
      const ctx = {
        page,
        browserContext: context,
        baseURL,
        admin: users.admin,
        users,
        /** A page in a new browser context (its own session), e.g. { viewport: { width: 390, height: 844 } }. */
        newPage: async (options) => (await openContext(options)).page,
        screenshot: async (name, which = page) => {
          const file = join(artifacts, `${safeName(id)}-${String(++shot).padStart(2, '0')}-${safeName(name)}.png`)
          await which.screenshot({ path: file, fullPage: true })
          return file
        },
        /** A name unique to this run, for objects the test creates. */
        /** CSP violations seen so far in this test's pages (the test fails if any remain). */
        cspViolations,
        uniq: (prefix) => `${prefix}${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
      }
      try {
        await withTimeout(fn(ctx), timeout, id)
        if (outside.length) throw new Error(`requests to outside hosts: ${[...new Set(outside)].join(', ')}`)
        if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join(' | ')}`)
        if (cspViolations.length) throw new Error(`Content-Security-Policy violations: ${[...new Set(cspViolations)].join(' | ')}`)
        passed++
        console.log(`ok   ${id} (${((Date.now() - started) / 1000).toFixed(1)}s)`)
      } catch (e) {
        failed++
        failures.push(id)
        const shots = []
        for (const [i, p] of pages.entries()) {
          try {
            shots.push(await ctx.screenshot(i ? `failure-page${i + 1}` : 'failure', p))
          } catch {
            // page gone
          }
        }
        const where = shots.length ? ` [screenshot ${shots.join(', ')}]` : ''
        const msg = (e?.stack || String(e)).split('\n').slice(0, 8).join('\n    ')
        console.log(`FAIL ${id} (${((Date.now() - started) / 1000).toFixed(1)}s)${where}\n    ${msg}`)
      } finally {
        for (const c of contexts) await c.close().catch(() => {})
      }
    }
  } catch (e) {
    failed = tests.length - passed
    console.log(`FAIL setup: ${e?.message || e}`)
  } finally {
    await browser?.close().catch(() => {})
    if (server && process.env.ORDERLY_E2E_SERVER_LOG) {
      console.log(Buffer.concat(server.log).toString())
    }
    await server?.stop().catch(() => {})
  }
  if (failures.length) console.log(`failed:\n  ${failures.join('\n  ')}`)
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(failed ? 1 : 0)
}

main()
