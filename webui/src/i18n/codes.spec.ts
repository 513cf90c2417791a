// Every code the server can send (api-spec/openapi.yaml) has a text in both languages, and
// vue-i18n finds it under the key the UI uses.
/// <reference types="node" />
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { load } from 'js-yaml'
import { i18n, SUPPORTED_LOCALES } from './index'
import { codesEn, codesZhCN } from './codes'

// Vitest runs in webui/ (happy-dom gives no file: URL to resolve against).
const specText = readFileSync(`${process.cwd()}/../api-spec/openapi.yaml`, 'utf8')
type Schema = { enum?: string[] }
const schemas = (load(specText) as { components: { schemas: Record<string, Schema> } }).components.schemas

function enumOf(name: string): string[] {
  const values = schemas[name]?.enum
  if (!values?.length) throw new Error(`the spec has no enum ${name}`)
  return values
}

const groups = [
  { schema: 'ProblemCode', prefix: 'problem', group: 'problem' },
  { schema: 'AuditAction', prefix: 'audit', group: 'audit' },
  { schema: 'NotificationEvent', prefix: 'event', group: 'event' },
  { schema: 'ExecutionResultCode', prefix: 'execution', group: 'execution' },
] as const

describe('texts of server codes', () => {
  for (const { schema, prefix, group } of groups) {
    const codes = enumOf(schema)
    for (const locale of SUPPORTED_LOCALES) {
      it(`${schema}: every code has a ${locale} text that vue-i18n resolves`, () => {
        const missing = codes.filter((c) => !i18n.global.te(`${prefix}.${c}`, locale))
        expect(missing).toEqual([])
        for (const c of codes) {
          const text = i18n.global.t(`${prefix}.${c}`, {}, { locale })
          expect(text, `${prefix}.${c}`).not.toBe(`${prefix}.${c}`)
          expect(text.length).toBeGreaterThan(0)
        }
      })
    }
    it(`${schema}: no text for a code the spec does not list`, () => {
      const known = new Set([...codes, ...(schema === 'NotificationEvent' ? ['test'] : [])])
      for (const texts of [codesEn, codesZhCN]) {
        const extra = Object.keys(texts[group]).filter((c) => !known.has(c))
        expect(extra).toEqual([])
      }
    })
  }

  it('fills named parameters', () => {
    expect(i18n.global.t('problem.environment.key_exists', { key: 'PROD' }, { locale: 'en' })).toContain('PROD')
    expect(i18n.global.t('problem.field.max_length', { max: 128 }, { locale: 'zh-CN' })).toContain('128')
    expect(i18n.global.t('execution.exited', { code: 3 }, { locale: 'en' })).toBe('exited with code 3')
  })

  it('keeps the existing texts next to the code texts', () => {
    expect(i18n.global.t('audit.action', {}, { locale: 'en' })).toBe('Action')
    expect(i18n.global.t('audit.ticket.approve', {}, { locale: 'en' })).toBe('Approved ticket')
  })
})
