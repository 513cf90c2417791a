import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/problem'
import { LogTailer, sliceFromByte, type LogChunk } from './logTailer'

function scripted(answers: (LogChunk | Error)[]) {
  const asked: number[] = []
  return {
    asked,
    fetchChunk: async (offset: number) => {
      asked.push(offset)
      const a = answers.shift()
      if (!a) throw new Error('no more answers')
      if (a instanceof Error) throw a
      return a
    },
  }
}
const noSleep = async () => {}

describe('LogTailer', () => {
  it('passes next_offset back until complete and shows each byte once', async () => {
    const s = scripted([
      { offset: 0, next_offset: 6, data: 'hello\n', complete: false },
      { offset: 6, next_offset: 6, data: '', complete: false },
      { offset: 6, next_offset: 12, data: 'world\n', complete: false },
      { offset: 12, next_offset: 12, data: '', complete: true },
    ])
    let text = ''
    let completed = 0
    const t = new LogTailer({ ...s, onData: (d) => (text += d), onComplete: () => completed++, sleep: noSleep })
    await t.start()
    expect(s.asked).toEqual([0, 6, 6, 12])
    expect(text).toBe('hello\nworld\n')
    expect(completed).toBe(1)
    expect(t.complete).toBe(true)
    expect(t.running).toBe(false)
  })

  it('trims an overlapping chunk by bytes (multi-byte text) and never goes backwards', () => {
    let text = ''
    const t = new LogTailer({ fetchChunk: async () => ({ offset: 0, next_offset: 0, data: '', complete: true }), onData: (d) => (text += d), startOffset: 0 })
    t.apply({ offset: 0, next_offset: 7, data: '部署\n', complete: false }) // 3+3+1 bytes
    // The server resends from 3: only the bytes from 7 on are new.
    t.apply({ offset: 3, next_offset: 14, data: '署\n成功', complete: false })
    expect(text).toBe('部署\n成功')
    expect(t.offset).toBe(14)
    // A stale answer changes nothing.
    expect(t.apply({ offset: 0, next_offset: 7, data: '部署\n', complete: false })).toBe(false)
    expect(t.offset).toBe(14)
    expect(text).toBe('部署\n成功')
  })

  it('reports a gap when the server starts after the offset asked for', () => {
    const gaps: number[] = []
    let text = ''
    const t = new LogTailer({ fetchChunk: async () => ({ offset: 0, next_offset: 0, data: '', complete: true }), onData: (d) => (text += d), onGap: (n) => gaps.push(n) })
    t.apply({ offset: 100, next_offset: 104, data: 'tail', complete: false })
    expect(gaps).toEqual([100])
    expect(text).toBe('tail')
    expect(t.offset).toBe(104)
  })

  it('retries transient errors with the same offset and stops on a 404', async () => {
    const s = scripted([
      { offset: 0, next_offset: 2, data: 'a\n', complete: false },
      new ApiError(0, null),
      new ApiError(503, null),
      { offset: 2, next_offset: 4, data: 'b\n', complete: false },
      new ApiError(404, { title: 'Not Found' }),
    ])
    const errors: [number, boolean][] = []
    let text = ''
    const t = new LogTailer({ ...s, onData: (d) => (text += d), onError: (e, fatal) => errors.push([(e as ApiError).status, fatal]), sleep: noSleep })
    await t.start()
    expect(s.asked).toEqual([0, 2, 2, 2, 4])
    expect(text).toBe('a\nb\n')
    expect(errors).toEqual([[0, false], [503, false], [404, true]])
    expect(t.complete).toBe(false)
  })

  it('waits between empty answers that came back at once', async () => {
    const s = scripted([
      { offset: 0, next_offset: 0, data: '', complete: false },
      { offset: 0, next_offset: 0, data: '', complete: true },
    ])
    const sleeps: number[] = []
    const t = new LogTailer({ ...s, onData: () => {}, idlePollMs: 700, sleep: async (ms) => void sleeps.push(ms) })
    await t.start()
    expect(sleeps).toEqual([700])
  })

  it('stop() ends the loop and drops the answer in flight', async () => {
    let release: (c: LogChunk) => void = () => {}
    let text = ''
    const t = new LogTailer({
      fetchChunk: () => new Promise<LogChunk>((r) => (release = r)),
      onData: (d) => (text += d),
      sleep: noSleep,
    })
    const done = t.start()
    expect(t.running).toBe(true)
    t.stop()
    release({ offset: 0, next_offset: 3, data: 'abc', complete: false })
    await done
    expect(text).toBe('')
    expect(t.offset).toBe(0)
  })

  it('sliceFromByte cuts on byte offsets', () => {
    expect(sliceFromByte('héllo', 10, 13)).toBe('llo')
    expect(sliceFromByte('abc', 5, 2)).toBe('abc')
    expect(sliceFromByte('abc', 0, 9)).toBe('')
  })
})
