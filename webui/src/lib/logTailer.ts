// Follows an execution's log: GET /executions/{id}/log?offset=N&wait=S answers
// {offset, next_offset, data, complete}; the client passes next_offset back until complete.
//
// Offsets count bytes of the stored log (UTF-8), so overlap trimming works on bytes. The tailer
// never moves backwards, never shows a byte twice, reports a gap when the server's chunk starts
// after the offset asked for (the head was dropped), keeps polling gently when the server
// answers at once without data (no long-poll), and backs off on transient errors
// (network, 5xx, 429) while stopping on the ones that will not heal (404, 403, ...).
import { isApiError } from '@/api/problem'

/** What the tailer reads of an answer (the API's ExecutionLog has more). */
export interface LogChunk {
  offset: number
  next_offset: number
  data: string
  complete: boolean
}

export interface LogTailerOptions {
  /** Loads one chunk; `signal` aborts it when the tailer stops. */
  fetchChunk(offset: number, waitSeconds: number, signal: AbortSignal): Promise<LogChunk>
  /** New text, in order, each byte once. */
  onData(text: string): void
  /** The server dropped `bytes` bytes before what it sent (e.g. a truncated head). */
  onGap?(bytes: number): void
  /** The log is complete (the execution ended and everything was read). */
  onComplete?(): void
  /** A failure: `fatal` when the tailer gave up, otherwise it retries after a pause. */
  onError?(err: unknown, fatal: boolean): void
  /** Long-poll seconds to ask for (default 10). */
  waitSeconds?: number
  /** Pause after an empty answer that came back quickly (default 1000 ms). */
  idlePollMs?: number
  /** Longest pause between retries after errors (default 15000 ms). */
  maxBackoffMs?: number
  /** Where to start (default 0). */
  startOffset?: number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  now?: () => number
}

const encoder = new TextEncoder()

/** The part of `data` (which starts at byte `chunkOffset`) from byte `from` on. */
export function sliceFromByte(data: string, chunkOffset: number, from: number): string {
  const skip = from - chunkOffset
  if (skip <= 0) return data
  const bytes = encoder.encode(data)
  if (skip >= bytes.length) return ''
  return new TextDecoder().decode(bytes.subarray(skip))
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
  })
}

export function isTransient(err: unknown): boolean {
  if (!isApiError(err)) return !(err instanceof DOMException && err.name === 'AbortError')
  return err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500
}

export class LogTailer {
  /** The next byte offset to ask for. */
  offset: number
  complete = false
  private controller: AbortController | null = null
  private loop: Promise<void> | null = null
  private readonly o: Required<Omit<LogTailerOptions, 'onGap' | 'onComplete' | 'onError'>> &
    Pick<LogTailerOptions, 'onGap' | 'onComplete' | 'onError'>

  constructor(options: LogTailerOptions) {
    this.o = {
      waitSeconds: 10,
      idlePollMs: 1000,
      maxBackoffMs: 15000,
      startOffset: 0,
      sleep: defaultSleep,
      now: () => Date.now(),
      ...options,
    }
    this.offset = this.o.startOffset
  }

  get running(): boolean {
    return this.controller !== null
  }

  /** Starts following (no-op when running or complete). Resolves when it stops. */
  start(): Promise<void> {
    if (this.controller || this.complete) return this.loop ?? Promise.resolve()
    const controller = new AbortController()
    this.controller = controller
    this.loop = this.run(controller.signal).finally(() => {
      if (this.controller === controller) this.controller = null
    })
    return this.loop
  }

  /** Stops following; an answer still on its way is dropped. */
  stop(): void {
    this.controller?.abort()
    this.controller = null
  }

  /** Applies one answer to the state; returns whether it carried new bytes. Exposed for tests. */
  apply(chunk: LogChunk): boolean {
    const asked = this.offset
    let grew = false
    if (typeof chunk.offset === 'number' && chunk.offset > asked) this.o.onGap?.(chunk.offset - asked)
    const start = typeof chunk.offset === 'number' ? chunk.offset : asked
    if (typeof chunk.next_offset === 'number' && chunk.next_offset > asked) {
      const text = sliceFromByte(chunk.data ?? '', start, asked)
      if (text) this.o.onData(text)
      this.offset = chunk.next_offset
      grew = true
    }
    if (chunk.complete) {
      this.complete = true
      this.o.onComplete?.()
    }
    return grew
  }

  private async run(signal: AbortSignal): Promise<void> {
    let backoff = 500
    while (!signal.aborted && !this.complete) {
      const began = this.o.now()
      let chunk: LogChunk
      try {
        chunk = await this.o.fetchChunk(this.offset, this.o.waitSeconds, signal)
      } catch (e) {
        if (signal.aborted) return
        const transient = isTransient(e)
        this.o.onError?.(e, !transient)
        if (!transient) return
        await this.o.sleep(backoff, signal)
        backoff = Math.min(backoff * 2, this.o.maxBackoffMs)
        continue
      }
      if (signal.aborted) return
      backoff = 500
      const grew = this.apply(chunk)
      if (!grew && !this.complete && this.o.now() - began < this.o.idlePollMs) {
        // The server answered at once with nothing new: do not spin.
        await this.o.sleep(this.o.idlePollMs, signal)
      }
    }
  }
}
