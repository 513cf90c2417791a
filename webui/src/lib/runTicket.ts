// Executing (or retrying) a ticket, and submitting a ticket to execute at once, with the
// confirmation a protected environment asks for: the page knows whether the environment is
// protected; then the user sees what would run and confirms before `confirm: true` is sent. A
// server that still answers 409 `execution.confirmation_required` (the environment became
// protected meanwhile) gets the same confirmation and one more try.
import { tickets } from '@/api/ops'
import { isApiError } from '@/api/problem'

export type ConfirmAnswer = 'confirmed' | 'not-needed' | null
export type AskConfirm = (ticketId: number) => Promise<ConfirmAnswer>

interface RunnableTicket {
  id: number
  version?: number
  environment_protected?: boolean | null
}

/** The server refused a run in a protected environment because `confirm: true` was missing. */
export function needsConfirmation(e: unknown): boolean {
  return isApiError(e) && e.status === 409 && e.problem?.code === 'execution.confirmation_required'
}

/**
 * `send(confirm)` after the confirmation `protectedEnv` calls for; resolves to the server's
 * answer, or null when the user did not confirm (nothing was sent, or nothing ran).
 */
export async function sendConfirmed<T>(
  protectedEnv: boolean,
  ask: () => Promise<ConfirmAnswer>,
  send: (confirm: boolean) => Promise<T>,
): Promise<T | null> {
  let confirm = false
  if (protectedEnv) {
    const answer = await ask()
    if (answer === null) return null
    confirm = answer === 'confirmed'
  }
  try {
    return await send(confirm)
  } catch (e) {
    if (confirm || !needsConfirmation(e)) throw e
    const answer = await ask()
    if (answer === null) return null
    return await send(answer === 'confirmed')
  }
}

/** What else an execution request may say: an emergency run outside the change window. */
export interface RunExtra {
  emergency?: boolean
  reason?: string
}

/** Starts the run; resolves to the server's answer, or null when the user did not confirm. */
export function runTicket(tk: RunnableTicket, kind: 'execute' | 'retry', ask: AskConfirm, extra: RunExtra = {}): Promise<unknown | null> {
  return sendConfirmed(
    tk.environment_protected === true,
    () => ask(tk.id),
    (confirm) => {
      const body = { ...(tk.version !== undefined ? { version: tk.version } : {}), ...(confirm ? { confirm: true } : {}), ...extra }
      return kind === 'retry' ? tickets.retry(tk.id, body) : tickets.execute(tk.id, body)
    },
  )
}
