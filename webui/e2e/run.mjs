#!/usr/bin/env node
// Browser tests for the Orderly web UI, driven by playwright-core in Debian's Chromium.
//
//   ORDERLY_URL=http://127.0.0.1:18080 ORDERLY_ADMIN_USER=admin ORDERLY_ADMIN_PASSWORD=… npm run e2e
//   npm run e2e -- smoke           # only tests whose "file › name" contains "smoke"
//
// Without ORDERLY_URL the runner starts ../build/orderly itself (fresh database in a temp
// directory, a generated admin password, the UI from ./dist) and stops it at the end.
//
// A test file is e2e/<name>.spec.mjs; every exported async function is one test and receives
// a context { page, browserContext, baseURL, admin: {username, password}, screenshot(name),
// uniq(prefix) }. Use node:assert. Screenshots land in e2e/artifacts/ (a failing test always
// leaves one). Requests to any host other than the server under test are blocked and fail
// the test: the UI must not load anything from outside.
//
// Prints one line per test and a final "N passed, M failed"; exits non-zero on any failure.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { randomBytes } from 'node:crypto'
import { chromium } from 'playwright-core'

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

/** Starts build/orderly on a free port with a throw-away database. */
async function startServer() {
  const bin = resolve(webui, '..', 'build', 'orderly')
  if (!existsSync(bin)) throw new Error(`ORDERLY_URL is not set and ${bin} does not exist (build the server first)`)
  if (!existsSync(join(webui, 'dist', 'index.html'))) throw new Error('webui/dist is missing: run `npm run build` first')
  const dir = mkdtempSync(join(tmpdir(), 'orderly-e2e-'))
  const port = await freePort()
  const password = process.env.ORDERLY_ADMIN_PASSWORD || `e2e-${randomBytes(9).toString('hex')}`
  const url = `http://127.0.0.1:${port}`
  const log = []
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--db', join(dir, 'orderly.db')], {
    env: {
      ...process.env,
      ORDERLY_ADMIN_PASSWORD: password,
      ORDERLY_UI_DIR: join(webui, 'dist'),
      ORDERLY_SECRET_KEY_FILE: join(dir, 'secret.key'),
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
    password,
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
  let password = process.env.ORDERLY_ADMIN_PASSWORD
  const username = process.env.ORDERLY_ADMIN_USER || 'admin'

  const files = readdirSync(here)
    .filter((f) => f.endsWith('.spec.mjs'))
    .sort()
  const tests = []
  for (const f of files) {
    const mod = await import(pathToFileURL(join(here, f)).href)
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== 'function') continue
      const id = `${basename(f, '.spec.mjs')} › ${name}`
      if (!filter || id.includes(filter)) tests.push({ id, fn })
    }
  }
  if (tests.length === 0) {
    console.log(`no tests found${filter ? ` matching "${filter}"` : ''}`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }

  let passed = 0
  let failed = 0
  let browser = null
  try {
    if (!baseURL) {
      server = await startServer()
      baseURL = server.url
      password = server.password
      console.log(`started build/orderly at ${baseURL}`)
    }
    if (!password) throw new Error('ORDERLY_ADMIN_PASSWORD is not set')
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

    for (const { id, fn } of tests) {
      const started = Date.now()
      const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, locale: 'en-US' })
      const outside = []
      await context.route('**/*', (route) => {
        const u = route.request().url()
        if (u.startsWith('data:') || u.startsWith('blob:') || new URL(u).origin === origin) return route.continue()
        outside.push(u)
        return route.abort('blockedbyclient')
      })
      const page = await context.newPage()
      const pageErrors = []
      page.on('pageerror', (e) => pageErrors.push(e.message))
      let shot = 0
      const ctx = {
        page,
        browserContext: context,
        baseURL,
        admin: { username, password },
        screenshot: async (name) => {
          const file = join(artifacts, `${safeName(id)}-${String(++shot).padStart(2, '0')}-${safeName(name)}.png`)
          await page.screenshot({ path: file, fullPage: true })
          return file
        },
        /** A name unique to this run, for objects the test creates. */
        uniq: (prefix) => `${prefix}${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
      }
      try {
        await withTimeout(fn(ctx), TEST_TIMEOUT_MS, id)
        if (outside.length) throw new Error(`requests to outside hosts: ${[...new Set(outside)].join(', ')}`)
        if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join(' | ')}`)
        passed++
        console.log(`ok   ${id} (${((Date.now() - started) / 1000).toFixed(1)}s)`)
      } catch (e) {
        failed++
        let where = ''
        try {
          where = ` [screenshot ${await ctx.screenshot('failure')}]`
        } catch {
          // page gone
        }
        const msg = (e?.stack || String(e)).split('\n').slice(0, 6).join('\n    ')
        console.log(`FAIL ${id} (${((Date.now() - started) / 1000).toFixed(1)}s)${where}\n    ${msg}`)
      } finally {
        await context.close().catch(() => {})
      }
    }
  } catch (e) {
    failed = tests.length - passed
    console.log(`FAIL setup: ${e?.message || e}`)
  } finally {
    await browser?.close().catch(() => {})
    await server?.stop().catch(() => {})
  }
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(failed ? 1 : 0)
}

main()
