import { describe, expect, it } from 'vitest'
import { analyzeCommand, formatArgv, highlightTokens, previewArgv, scanArgument, splitCommand } from './command'

const argv = (s: string) => {
  const r = splitCommand(s)
  if (!r.ok) throw new Error(r.error)
  return r.argv
}

describe('splitCommand (mirrors server/src/domain/command.cpp)', () => {
  it('splits the seed command into words, quotes removed', () => {
    expect(argv('python main_deploy_git.py -e prod -g "{GitProjName}" -i "{AnsibleHosts}"')).toEqual([
      'python', 'main_deploy_git.py', '-e', 'prod', '-g', '{GitProjName}', '-i', '{AnsibleHosts}',
    ])
  })
  it('keeps single-quoted text literally and joins adjacent quoted parts', () => {
    expect(argv(`echo 'a  b' "c"'d' e\\ f`)).toEqual(['echo', 'a  b', 'cd', 'e f'])
    expect(argv(`echo '$HOME | x'`)).toEqual(['echo', '$HOME | x'])
  })
  it('handles escapes inside double quotes like a shell', () => {
    expect(argv('echo "a \\"b\\" \\\\ \\$ \\x"')).toEqual(['echo', 'a "b" \\ $ \\x'])
    expect(argv('echo "a\\\nb"')).toEqual(['echo', 'ab'])
    expect(argv('echo a\\\nb')).toEqual(['echo', 'ab'])
  })
  it('keeps an empty quoted argument', () => {
    expect(argv(`cmd '' ""`)).toEqual(['cmd', '', ''])
  })
  it('refuses shell operators outside quotes', () => {
    for (const op of ['|', '&', ';', '<', '>', '(', ')', '$', '`']) {
      const r = splitCommand(`echo a ${op} b`)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error).toContain('shell operator')
    }
    expect(splitCommand('echo "a | b; c"').ok).toBe(true)
  })
  it('refuses $ and ` inside double quotes, and broken quoting', () => {
    expect(splitCommand('echo "$HOME"')).toMatchObject({ ok: false, error: expect.stringContaining('would need a shell') })
    expect(splitCommand("echo 'abc")).toMatchObject({ ok: false, error: 'unterminated single quote' })
    expect(splitCommand('echo "abc')).toMatchObject({ ok: false, error: 'unterminated double quote' })
    expect(splitCommand('echo \\')).toMatchObject({ ok: false, error: 'the command ends with a lone backslash' })
    expect(splitCommand('   ')).toMatchObject({ ok: false, error: 'the command is empty', code: 'empty' })
  })
})

describe('placeholders', () => {
  it('scans names, config keys and literal braces', () => {
    expect(scanArgument('-g={GitProjName}/{config.git.base_url}{{x}}')).toEqual({
      ok: true,
      parts: [{ text: '-g=' }, { name: 'GitProjName' }, { text: '/' }, { name: 'config.git.base_url' }, { text: '{x}' }],
    })
    expect(scanArgument('{a').ok).toBe(false)
    expect(scanArgument('a}').ok).toBe(false)
    expect(scanArgument('{1x}').ok).toBe(false)
    expect(scanArgument('{config.}').ok).toBe(false)
  })
  it('analyzes a template command against the variables it provides', () => {
    const cmd = 'python main_deploy_git.py -e prod -g "{GitProjName}" -i "{AnsibleHosts}" -u {config.git.base_url}'
    const ok = analyzeCommand(cmd, ['GitProjName', 'AnsibleHosts'])
    expect(ok.error).toBeNull()
    expect(ok.placeholders).toEqual(['GitProjName', 'AnsibleHosts', 'config.git.base_url'])
    expect(analyzeCommand(cmd, ['GitProjName']).error).toContain('{AnsibleHosts} is not a variable of this template')
    expect(analyzeCommand('{Prog} x', ['Prog']).error).toContain('cannot contain a placeholder')
    expect(analyzeCommand('echo a; rm -rf /').error).toContain('shell operator')
  })
  it('previews the argv: one pass, multiple values joined with commas, never split', () => {
    const a = analyzeCommand('deploy -g "{GitProjName}" -i {AnsibleHosts} -x {Other} {config.k}')
    const out = previewArgv(a.args, { GitProjName: 'app 01', AnsibleHosts: ['host1', 'host2'], Other: '{GitProjName}' }, { k: 'v' })
    expect(out).toEqual(['deploy', '-g', 'app 01', '-i', 'host1,host2', '-x', '{GitProjName}', 'v'])
    expect(previewArgv(a.args, {})[4]).toBe('{AnsibleHosts}')
    expect(formatArgv(out)).toBe("deploy -g 'app 01' -i host1,host2 -x {GitProjName} v")
  })
})

describe('highlightTokens', () => {
  it('marks placeholders, config keys, quotes and operators and keeps all text', () => {
    const cmd = `run -g "{A}" {config.x} '{{' a|b`
    const toks = highlightTokens(cmd)
    expect(toks.map((t) => t.text).join('')).toBe(cmd)
    expect(toks.filter((t) => t.kind === 'placeholder').map((t) => t.text)).toEqual(['{A}'])
    expect(toks.filter((t) => t.kind === 'config').map((t) => t.text)).toEqual(['{config.x}'])
    expect(toks.filter((t) => t.kind === 'operator').map((t) => t.text)).toEqual(['|'])
  })
})
