// vue-i18n setup: zh-CN and English, chosen from localStorage, else from the browser language.
import { createI18n } from 'vue-i18n'
import { computed } from 'vue'
import elEn from 'element-plus/es/locale/lang/en'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import en, { type MessageSchema } from './locales/en'
import zhCN from './locales/zh-CN'
import { codeMessages, mergeMessages } from './codes'

export const SUPPORTED_LOCALES = ['zh-CN', 'en'] as const
export type AppLocale = (typeof SUPPORTED_LOCALES)[number]
export const LOCALE_STORAGE_KEY = 'orderly.locale'

export function isAppLocale(v: unknown): v is AppLocale {
  return typeof v === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(v)
}

/**
 * The remembered choice wins; otherwise zh-CN for a browser whose language starts with "zh"
 * (zh, zh-CN, zh-TW, zh-Hans-…), English for everything else.
 */
export function detectLocale(stored: string | null | undefined, browserLanguage: string | null | undefined): AppLocale {
  if (isAppLocale(stored)) return stored
  return (browserLanguage ?? '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

function readStoredLocale(): string | null {
  try {
    return globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY) ?? null
  } catch {
    return null // storage disabled
  }
}

export function initialLocale(): AppLocale {
  return detectLocale(readStoredLocale(), globalThis.navigator?.language)
}

export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: {
    en: mergeMessages(en, codeMessages.en),
    'zh-CN': mergeMessages(zhCN, codeMessages['zh-CN']),
  },
})

export function currentLocale(): AppLocale {
  return i18n.global.locale.value
}

/** Switches the UI language and remembers the choice. */
export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // storage disabled: the choice lasts for this page only
  }
  syncDocumentLang()
}

export function syncDocumentLang(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = i18n.global.locale.value
}

const elementLocales = { en: elEn, 'zh-CN': elZhCn } as const

/** Element Plus's own texts (date pickers, empty tables, …) in the current language. */
export const elementLocale = computed(() => elementLocales[i18n.global.locale.value])

/** `t` for code outside components (stores, router guards). */
export const translate = (key: string, named?: Record<string, unknown>): string =>
  named ? i18n.global.t(key, named) : i18n.global.t(key)
