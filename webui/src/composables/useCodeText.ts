// Server codes in the user's language (texts in src/i18n/codes): audit actions and summaries,
// notification events, execution results and the problems the server keeps (a notification's
// last error, a variable's script failure). Each falls back to what the server wrote (its
// English sentence, or the code itself) when the UI has no text for the code.
import { useI18n } from 'vue-i18n'
import { codeText } from '@/api/problem'

export interface CodedAudit {
  action: string
  summary?: string | null
  summary_code?: string | null
  summary_params?: Record<string, unknown> | null
}

export interface CodedResult {
  message?: string | null
  result_code?: string | null
  result_params?: Record<string, unknown> | null
}

/** A problem the server stored: its English text, and its ProblemCode with the code's params. */
export interface StoredProblem {
  code?: string | null
  params?: Record<string, unknown> | null
  text?: string | null
}

export function useCodeText() {
  const { t } = useI18n()
  return {
    /** "创建用户" for `user.create`. */
    auditAction: (action: string) => codeText(action, {}, action, t, 'audit'),
    /** The summary line of an audit event, from its summary code when the UI knows it. */
    auditSummary: (e: CodedAudit) => codeText(e.summary_code ?? undefined, e.summary_params ?? {}, e.summary ?? '', t, 'audit'),
    /** "已驳回" for `ticket.rejected`. */
    eventLabel: (event: string) => codeText(event, {}, event, t, 'event'),
    /** How a run ended ("已被 ops 取消…"), from its result code; else the server's message. */
    executionResult: (e: CodedResult) => codeText(e.result_code ?? undefined, e.result_params ?? {}, e.message ?? '', t, 'execution'),
    /** A stored problem from its code ("邮件服务器拒收了这封邮件（SMTP 550）。"); else its text. */
    storedProblem: (p: StoredProblem) => codeText(p.code ?? undefined, p.params ?? {}, p.text ?? '', t),
  }
}
