import { afterEach, describe, expect, it } from 'vitest'
import en from './locales/en'
import zhCN from './locales/zh-CN'
import { detectLocale, elementLocale, i18n, initialLocale, LOCALE_STORAGE_KEY, setLocale } from './index'

function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

describe('detectLocale', () => {
  it('picks zh-CN for any Chinese browser language', () => {
    for (const lang of ['zh', 'zh-CN', 'zh-TW', 'zh-Hans-CN', 'ZH-cn']) {
      expect(detectLocale(null, lang)).toBe('zh-CN')
    }
  })
  it('picks English for everything else', () => {
    for (const lang of ['en-US', 'en', 'de-DE', 'ja', '', undefined, null]) {
      expect(detectLocale(null, lang)).toBe('en')
    }
  })
  it('prefers the remembered choice', () => {
    expect(detectLocale('en', 'zh-CN')).toBe('en')
    expect(detectLocale('zh-CN', 'en-US')).toBe('zh-CN')
  })
  it('ignores a remembered value it does not support', () => {
    expect(detectLocale('fr', 'zh-CN')).toBe('zh-CN')
    expect(detectLocale('fr', 'en-GB')).toBe('en')
  })
})

describe('locale choice', () => {
  afterEach(() => {
    localStorage.clear()
    setLocale('en')
  })

  it('remembers the switch in localStorage and applies it everywhere', () => {
    setLocale('zh-CN')
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('zh-CN')
    expect(i18n.global.t('nav.submit')).toBe('提单')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(elementLocale.value.name).toBe('zh-cn')
    expect(initialLocale()).toBe('zh-CN')

    setLocale('en')
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en')
    expect(i18n.global.t('nav.submit')).toBe('Submit')
    expect(elementLocale.value.name).toBe('en')
  })

  it('resolves numeric and interpolated keys', () => {
    expect(i18n.global.t('errors.status.409')).toBe('Conflict')
    expect(i18n.global.t('common.page', { n: 2 })).toBe('Page 2')
  })
})

describe('messages', () => {
  it('zh-CN and en have the same keys', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort())
  })
  it('every message compiles (vue-i18n reads @, |, { and } as syntax)', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      setLocale(locale)
      for (const k of keys(locale === 'en' ? en : zhCN)) {
        expect(() => i18n.global.t(k, {}), `${locale}: ${k}`).not.toThrow()
      }
    }
    setLocale('en')
  })
  it('no message is empty', () => {
    for (const [name, msgs] of [['en', en], ['zh-CN', zhCN]] as const) {
      for (const k of keys(msgs)) {
        const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], msgs)
        expect(typeof v === 'string' && v.trim().length > 0, `${name}: ${k}`).toBe(true)
      }
    }
  })
})
