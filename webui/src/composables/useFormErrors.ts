// Errors of one form: `fieldErrors` for `<el-form-item :error="fieldErrors.name">`, and
// `formError` for an alert above the form (the message of the error as a whole).
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessage } from 'element-plus'
import { errorMessage, isApiError, type FieldErrors } from '@/api/problem'

export function useFormErrors() {
  const { t } = useI18n()
  const fieldErrors = ref<FieldErrors>({})
  const formError = ref('')

  function reset() {
    fieldErrors.value = {}
    formError.value = ''
  }

  /** Shows `err` on the form: per field when the server named fields, and as one line. */
  function capture(err: unknown) {
    fieldErrors.value = isApiError(err) ? { ...err.fieldErrors } : {}
    formError.value = errorMessage(err, t)
  }

  return { fieldErrors, formError, reset, capture }
}

/** Shows an error that has no form to sit on (list loading, deletes) as a toast. */
export function useErrorToast() {
  const { t } = useI18n()
  return (err: unknown) => {
    ElMessage.error({ message: errorMessage(err, t), grouping: true })
  }
}
