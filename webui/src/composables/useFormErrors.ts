// Errors of one form: `fieldErrors` for `<el-form-item :error="fieldErrors.name">`, and
// `formError` for an alert above the form (the message of the error as a whole).
import { computed, ref, shallowRef, watch, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessage } from 'element-plus'
import { errorMessage, fieldErrorsText, type FieldErrors } from '@/api/problem'

export function useFormErrors() {
  const { t, locale } = useI18n()
  // The error as it came: its messages are rendered in the current language, so that switching
  // the language re-renders them. Messages a form sets itself replace it.
  const captured = shallowRef<unknown>(null)
  const ownFieldErrors = ref<FieldErrors>({})
  // A message the form set: a text, or a function that words it in the current language
  // (`formError.value = () => t('errors.stale')`), which follows a language switch.
  const ownFormError = shallowRef<string | (() => string)>('')
  // Set by the form (a local check, or a field message dropped): the captured error's field
  // messages are replaced by the form's own from then on.
  const capturedFieldsDropped = ref(false)
  const fieldErrors = computed<FieldErrors>({
    get: () => {
      void locale.value
      const fromServer = captured.value && !capturedFieldsDropped.value ? fieldErrorsText(captured.value, t) : {}
      return { ...fromServer, ...ownFieldErrors.value }
    },
    set: (v) => {
      capturedFieldsDropped.value = true
      ownFieldErrors.value = v
    },
  })
  const formError = computed<string, string | (() => string)>({
    get: () => {
      void locale.value
      if (captured.value) return errorMessage(captured.value, t)
      const own = ownFormError.value
      return typeof own === 'function' ? own() : own
    },
    set: (v) => {
      captured.value = null
      ownFormError.value = v
    },
  })

  function reset() {
    captured.value = null
    capturedFieldsDropped.value = false
    ownFieldErrors.value = {}
    ownFormError.value = ''
  }

  /** Shows `err` on the form: per field when the server named fields, and as one line. */
  function capture(err: unknown) {
    reset()
    captured.value = err
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

/**
 * Calls `onEdit(key)` for every key of `values()` whose value changed, so that a form drops a
 * field's message ("Required", the server's complaint) as soon as the user changes that field.
 */
export function watchEdits(values: () => Record<string, unknown>, onEdit: (key: string) => void) {
  watch(
    () => JSON.stringify(values() ?? {}),
    (now, before) => {
      const a = JSON.parse(before || '{}') as Record<string, unknown>
      const b = JSON.parse(now) as Record<string, unknown>
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) onEdit(k)
      }
    },
  )
}

/** Removes `key`'s messages from `errors`: the key itself and every path under `prefix.key`. */
export function dropFieldError(errors: Ref<Record<string, string>>, key: string, prefix = '') {
  const full = prefix ? `${prefix}.${key}` : key
  const next = Object.fromEntries(Object.entries(errors.value).filter(([k]) => k !== full && !k.startsWith(`${full}.`)))
  if (Object.keys(next).length !== Object.keys(errors.value).length) errors.value = next
}
