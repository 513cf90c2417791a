// @vitest-environment node
// Clients that others generate from api-spec/openapi.yaml with common tools, default options,
// must compile under `tsc --strict`: openapi-typescript (what this UI uses) and
// @hey-api/openapi-ts (types and an SDK). Both are generated into a temporary directory.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const webui = fileURLToPath(new URL('..', import.meta.url))
const spec = resolve(webui, '../api-spec/openapi.yaml')
const bin = (name: string) => join(webui, 'node_modules/.bin', name)
const dir = mkdtempSync(join(tmpdir(), 'orderly-clients-'))

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' })
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`)
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('clients generated from the spec', () => {
  it('compile under tsc --strict (openapi-typescript and @hey-api/openapi-ts)', () => {
    run(bin('openapi-typescript'), [spec, '-o', join(dir, 'openapi-typescript/schema.d.ts')])
    run(bin('openapi-ts'), ['-i', spec, '-o', join(dir, 'hey-api')])
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          types: [],
        },
        include: ['openapi-typescript/**/*.ts', 'hey-api/**/*.ts'],
      }),
    )
    const out = run(bin('tsc'), ['-p', join(dir, 'tsconfig.json')])
    expect(out).toBe('')
    // Named schemas for clients to use, e.g. a ticket's executions, and no member left without a
    // type (only free-form maps, `[key: string]: unknown`, may hold anything).
    const types = readFileSync(join(dir, 'hey-api/types.gen.ts'), 'utf8')
    expect(types).toMatch(/executions: Array<Execution>/)
    for (const name of ['FlowNode', 'FieldValue', 'ApprovalRule', 'ConfigDiffChange', 'TicketStepDetail'])
      expect(types).toMatch(new RegExp(`export type ${name} =`))
    const untyped = types.split('\n').filter((l) => /\??: unknown;/.test(l) && !l.includes('[key: string]'))
    expect(untyped).toEqual([])
  }, 300_000)
})
