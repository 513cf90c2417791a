// Executing (or retrying) a ticket, with the confirmation a protected environment asks for: the
// ticket says whether its environment is protected; then the user sees what would run and
// confirms before `confirm: true` is sent. A server that still answers 409
// `execution.confirmation_required` (the environment became protected meanwhile) gets the same
// confirmation and one more try.
import { tickets } from '@/api/ops'
import { isApiError } from '@/api/problem'

export type ConfirmAnswer = 'confirmed' | 'not-needed' | null
export type AskConfirm = (ticketId: number) => Promise<ConfirmAnswer>

interface RunnableTicket {
  id: number
  version?: number
  environment_protected?: boolean | null
}

/** Starts the run; resolves to the server's answer, or null when the user did not confirm. */
export async function runTicket(tk: RunnableTicket, kind: 'execute' | 'retry', ask: AskConfirm): Promise<unknown | null> {
  const send = (confirm: boolean) => {
    const body = { ...(tk.version !== undefined ? { version: tk.version } : {}), ...(confirm ? { confirm: true } : {}) }
    return kind === 'retry' ? tickets.retry(tk.id, body) : tickets.execute(tk.id, body)
  }
  let confirm = false
  if (tk.environment_protected === true) {
    const answer = await ask(tk.id)
    if (answer === null) return null
    confirm = answer === 'confirmed'
  }
  try {
    return await send(confirm)
  } catch (e) {
    if (!confirm && isApiError(e) && e.status === 409 && e.problem?.code === 'execution.confirmation_required') {
      const answer = await ask(tk.id)
      if (answer === null) return null
      return await send(answer === 'confirmed')
    }
    throw e
  }
}
