// Task commands, exactly as the server reads them (server/src/domain/command.cpp): a command
// line is split into an argument vector like a POSIX shell splits words, but no shell ever runs,
// so shell operators are refused; placeholders `{Name}` / `{config.KEY}` are substituted inside
// each argument, never re-scanned and never splitting it. The template editor uses these to
// highlight placeholders and preview the argv before saving; the server has the final word.

export class CommandError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CommandError'
  }
}

/**
 * What is wrong with a command, for the UI to say in the user's language: `code` names the
 * message (`command.problems.<code>`), `params` fills it; `error` is the English sentence.
 */
export interface CommandProblem {
  code: string
  params?: Record<string, string>
}

export type SplitResult = { ok: true; argv: string[] } | ({ ok: false; error: string } & CommandProblem)

const SHELL_OPERATORS = '|&;<>()$`'

/** Splits a command line into arguments (POSIX-shell-like words, no operators). */
export function splitCommand(command: string): SplitResult {
  const out: string[] = []
  let cur = ''
  let inWord = false
  let i = 0
  const n = command.length
  const fail = (error: string, code: string, params?: Record<string, string>): SplitResult => ({
    ok: false,
    error,
    code,
    ...(params ? { params } : {}),
  })
  while (i < n) {
    const c = command[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) {
        out.push(cur)
        cur = ''
        inWord = false
      }
      i++
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1)
      if (end < 0) return fail('unterminated single quote', 'unterminated_single_quote')
      cur += command.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (c === '"') {
      i++
      let closed = false
      while (i < n) {
        const d = command[i]!
        if (d === '"') {
          closed = true
          i++
          break
        }
        if (d === '\\' && i + 1 < n) {
          const e = command[i + 1]!
          if (e === '"' || e === '\\' || e === '$' || e === '`') {
            cur += e
            i += 2
            continue
          }
          if (e === '\n') {
            i += 2
            continue
          }
        }
        if (d === '$' || d === '`') {
          return fail(`"${d}" inside double quotes would need a shell; Orderly runs no shell (use a {placeholder} or single quotes)`, 'shell_in_double_quotes', { char: d })
        }
        cur += d
        i++
      }
      if (!closed) return fail('unterminated double quote', 'unterminated_double_quote')
      inWord = true
    } else if (c === '\\') {
      if (i + 1 >= n) return fail('the command ends with a lone backslash', 'lone_backslash')
      if (command[i + 1] !== '\n') {
        cur += command[i + 1]
        inWord = true
      }
      i += 2
    } else if (SHELL_OPERATORS.includes(c)) {
      return fail(`"${c}" is a shell operator; Orderly runs commands without a shell (quote it if you mean the character)`, 'shell_operator', { char: c })
    } else {
      cur += c
      inWord = true
      i++
    }
  }
  if (inWord) out.push(cur)
  if (out.length === 0) return fail('the command is empty', 'empty')
  return { ok: true, argv: out }
}

/** A piece of one argument: literal text or a placeholder name. */
export type ArgPart = { text: string } | { name: string }

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
const CONFIG_KEY_RE = /^[A-Za-z0-9_.-]+$/

export function isValidPlaceholder(name: string): boolean {
  if (name.startsWith('config.')) return CONFIG_KEY_RE.test(name.slice(7))
  return NAME_RE.test(name)
}

/** Scans one argument into literal text and placeholders ("{{" and "}}" are literal braces). */
export function scanArgument(arg: string): { ok: true; parts: ArgPart[] } | ({ ok: false; error: string } & CommandProblem) {
  const parts: ArgPart[] = []
  const text = (t: string) => {
    const last = parts[parts.length - 1]
    if (last && 'text' in last) last.text += t
    else parts.push({ text: t })
  }
  let i = 0
  while (i < arg.length) {
    const c = arg[i]
    if (c === '{' && arg[i + 1] === '{') {
      text('{')
      i += 2
    } else if (c === '}' && arg[i + 1] === '}') {
      text('}')
      i += 2
    } else if (c === '{') {
      const end = arg.indexOf('}', i + 1)
      if (end < 0) return { ok: false, error: `unclosed placeholder in "${arg}" (write {{ for a literal brace)`, code: 'unclosed_placeholder', params: { arg } }
      const name = arg.slice(i + 1, end)
      if (!isValidPlaceholder(name)) return { ok: false, error: `"{${name}}" is not a valid placeholder name`, code: 'invalid_placeholder', params: { name } }
      parts.push({ name })
      i = end + 1
    } else if (c === '}') {
      return { ok: false, error: `unmatched } in "${arg}" (write }} for a literal brace)`, code: 'unmatched_brace', params: { arg } }
    } else {
      let next = i
      while (next < arg.length && arg[next] !== '{' && arg[next] !== '}') next++
      text(arg.slice(i, next))
      i = next
    }
  }
  return { ok: true, parts }
}

export interface CommandAnalysis {
  /** The argument vector, each argument scanned into parts; empty when the command is invalid. */
  args: ArgPart[][]
  /** Placeholder names in order of first use. */
  placeholders: string[]
  /** The first problem, in the server's words; null when the server would accept it. */
  error: string | null
  /** The same problem as a code and its parameters (for a translated message). */
  problem?: CommandProblem | null
}

/**
 * Everything the editor needs: the argv in parts, the placeholders used and the first error
 * (split error, bad placeholder, placeholder in the program name, or a variable the template
 * does not provide). `provided` = template variables + internal variables; config.* always ok.
 */
export function analyzeCommand(command: string, provided?: Iterable<string>): CommandAnalysis {
  const split = splitCommand(command)
  if (!split.ok) return { args: [], placeholders: [], error: split.error, problem: { code: split.code, params: split.params } }
  const args: ArgPart[][] = []
  const names: string[] = []
  for (const a of split.argv) {
    const s = scanArgument(a)
    if (!s.ok) return { args: [], placeholders: [], error: s.error, problem: { code: s.code, params: s.params } }
    args.push(s.parts)
    for (const p of s.parts) if ('name' in p && !names.includes(p.name)) names.push(p.name)
  }
  let error: string | null = null
  let problem: CommandProblem | null = null
  if (args[0]!.some((p) => 'name' in p)) {
    error = `the program to run ("${split.argv[0]}") cannot contain a placeholder`
    problem = { code: 'placeholder_in_program', params: { program: split.argv[0]! } }
  } else if (provided) {
    const have = new Set(provided)
    const missing = names.find((n) => !n.startsWith('config.') && !have.has(n))
    if (missing) {
      error = `{${missing}} is not a variable of this template (add it to variables or internal_vars)`
      problem = { code: 'unknown_variable', params: { name: missing } }
    }
  }
  return { args, placeholders: names, error, problem }
}

/**
 * The argv a ticket would run with these values: placeholders replaced in one pass, several
 * values joined with ",". Unknown values stay visible as `{Name}` (a preview, not a run).
 */
export function previewArgv(
  args: ArgPart[][],
  values: Record<string, string | string[] | undefined>,
  config: Record<string, string> = {},
): string[] {
  return args.map((parts) =>
    parts
      .map((p) => {
        if ('text' in p) return p.text
        if (p.name.startsWith('config.')) return config[p.name.slice(7)] ?? `{${p.name}}`
        const v = values[p.name]
        if (v === undefined || (Array.isArray(v) && v.length === 0)) return `{${p.name}}`
        return Array.isArray(v) ? v.join(',') : v
      })
      .join(''),
  )
}

/** Shows an argv as one line a person can read (arguments with spaces or quotes are quoted). */
export function formatArgv(argv: readonly string[]): string {
  return argv
    .map((a) => (a === '' ? "''" : /[\s'"\\|&;<>()$`]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a))
    .join(' ')
}

/** A token of the command line for highlighting: placeholders stand out from the rest. */
export interface CommandToken {
  text: string
  kind: 'text' | 'placeholder' | 'config' | 'quote' | 'operator'
}

/** Tokenizes the raw command line for the editor's highlight layer (tolerant of errors). */
export function highlightTokens(command: string): CommandToken[] {
  const out: CommandToken[] = []
  const push = (text: string, kind: CommandToken['kind']) => {
    const last = out[out.length - 1]
    if (last && last.kind === kind && kind !== 'placeholder' && kind !== 'config') last.text += text
    else out.push({ text, kind })
  }
  let i = 0
  let inSingle = false
  let inDouble = false
  while (i < command.length) {
    const c = command[i]!
    if (c === '{' && command[i + 1] === '{') {
      push('{{', 'text')
      i += 2
      continue
    }
    if (c === '}' && command[i + 1] === '}') {
      push('}}', 'text')
      i += 2
      continue
    }
    if (c === '{') {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*|config\.[A-Za-z0-9_.-]+)\}/.exec(command.slice(i))
      if (m) {
        push(m[0], m[1]!.startsWith('config.') ? 'config' : 'placeholder')
        i += m[0].length
        continue
      }
    }
    if (c === '\\' && !inSingle && i + 1 < command.length) {
      push(command.slice(i, i + 2), 'text')
      i += 2
      continue
    }
    if (c === "'" && !inDouble) {
      inSingle = !inSingle
      push(c, 'quote')
    } else if (c === '"' && !inSingle) {
      inDouble = !inDouble
      push(c, 'quote')
    } else if (!inSingle && (inDouble ? c === '$' || c === '`' : SHELL_OPERATORS.includes(c))) {
      push(c, 'operator')
    } else {
      push(c, 'text')
    }
    i++
  }
  return out
}
