// Asks before something that cannot be undone (a delete, a revoke, a rollback), then does it: on
// yes, runs `act`, says `done` ("Deleted" unless told otherwise) and runs `after` (usually a
// reload). A failure is shown as a toast. Resolves true when the action was done.
import { useI18n } from 'vue-i18n'
import { ElMessage, ElMessageBox } from 'element-plus'
import { useErrorToast } from './useFormErrors'

export interface ConfirmedAction {
  /** The question, e.g. t('common.deleteConfirm', { name }). */
  message: string
  /** The label of the confirming button; "Delete" by default. */
  confirmText?: string
  act: () => Promise<unknown>
  /** The success message; "Deleted" by default. */
  done?: string
  after?: () => Promise<unknown> | void
}

export function useConfirmedAction() {
  const { t } = useI18n()
  const showError = useErrorToast()
  return async function confirmThen(a: ConfirmedAction): Promise<boolean> {
    try {
      await ElMessageBox.confirm(a.message, t('common.confirmTitle'), {
        type: 'warning',
        confirmButtonText: a.confirmText ?? t('common.delete'),
        cancelButtonText: t('common.cancel'),
      })
    } catch {
      return false // cancelled
    }
    try {
      await a.act()
      ElMessage.success(a.done ?? t('common.deleted'))
      await a.after?.()
      return true
    } catch (e) {
      showError(e)
      return false
    }
  }
}
