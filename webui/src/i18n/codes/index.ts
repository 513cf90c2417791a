// The texts of server codes (./en.ts, ./zh-CN.ts) in the shape vue-i18n reads: vue-i18n splits a
// key at its dots, so the flat `problem: {'ticket.not_found': …}` becomes
// `problem: {ticket: {not_found: …}}` and `t('problem.ticket.not_found')` finds it.
import en from './en'
import zhCN from './zh-CN'

export type MessageTree = { [key: string]: string | MessageTree }

function put(tree: MessageTree, path: string[], text: string, whole: string): void {
  let node = tree
  path.forEach((part, i) => {
    const last = i === path.length - 1
    const cur = node[part]
    if (last) {
      if (cur !== undefined) throw new Error(`i18n key ${whole} is defined twice`)
      node[part] = text
    } else {
      if (typeof cur === 'string') throw new Error(`i18n key ${whole} lies under the text of ${path.slice(0, i + 1).join('.')}`)
      node = (node[part] ??= {}) as MessageTree
    }
  })
}

/** `{problem: {'a.b': 'x'}}` → `{problem: {a: {b: 'x'}}}`. */
export function nestCodes(groups: Record<string, Record<string, string>>): MessageTree {
  const tree: MessageTree = {}
  for (const [group, texts] of Object.entries(groups))
    for (const [code, text] of Object.entries(texts)) put(tree, [group, ...code.split('.')], text, `${group}.${code}`)
  return tree
}

/** Adds `extra` into a copy of `base`; a key both define is a mistake and throws. */
export function mergeMessages<T extends object>(base: T, extra: MessageTree, at = ''): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  for (const [key, value] of Object.entries(extra)) {
    const cur = out[key]
    if (cur === undefined) out[key] = value
    else if (typeof cur === 'object' && cur !== null && typeof value === 'object')
      out[key] = mergeMessages(cur as object, value, `${at}${key}.`)
    else throw new Error(`i18n key ${at}${key} is defined by the locale and by the code texts`)
  }
  return out as T
}

export const codeMessages = { en: nestCodes(en), 'zh-CN': nestCodes(zhCN) }
export { en as codesEn, zhCN as codesZhCN }
