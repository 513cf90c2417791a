// An error shown on a page (an alert, an empty state) that follows the language: the page keeps
// the error itself and it is put into words when shown, so switching zh-CN/en re-renders the
// message instead of leaving the old language's text until a reload.
import { computed, shallowRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { errorMessage, type Translate } from '@/api/problem'

/** `format` words the error (default: `errorMessage`, "Conflict: …"). */
export function usePageError(format: (err: unknown, t: Translate) => string = errorMessage) {
  const { t, locale } = useI18n()
  /** What went wrong (usually an ApiError); null when nothing did. */
  const error = shallowRef<unknown>(null)
  /** Its message in the current language; '' without an error. */
  const text = computed(() => {
    void locale.value
    return error.value === null ? '' : format(error.value, t)
  })
  return { error, text }
}
