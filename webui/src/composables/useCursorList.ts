// A cursor-paginated list (`{items, next_cursor}`) with previous/next navigation.
// `fetchPage(cursor)` loads one page; the composable remembers the cursors of the pages before,
// so "previous" works although the API only hands out "next" cursors.
import { computed, ref, shallowRef } from 'vue'

export interface CursorPage<T> {
  items: T[]
  next_cursor?: string | null
}

export function useCursorList<T>(fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>) {
  const items = shallowRef<T[]>([])
  const loading = ref(false)
  const error = ref<unknown>(null)
  const nextCursor = ref<string | null>(null)
  // cursors[i] is the cursor that loads page i (undefined for the first page).
  const cursors = ref<(string | undefined)[]>([undefined])
  const pageIndex = ref(0)
  let seq = 0

  async function load(index: number) {
    const mySeq = ++seq
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage(cursors.value[index])
      if (mySeq !== seq) return // a newer request won
      items.value = page.items
      nextCursor.value = page.next_cursor ?? null
      pageIndex.value = index
      if (nextCursor.value) cursors.value[index + 1] = nextCursor.value
      cursors.value.length = index + (nextCursor.value ? 2 : 1)
    } catch (e) {
      if (mySeq === seq) error.value = e
      throw e
    } finally {
      if (mySeq === seq) loading.value = false
    }
  }

  return {
    items,
    loading,
    error,
    pageIndex,
    hasNext: computed(() => nextCursor.value !== null),
    hasPrevious: computed(() => pageIndex.value > 0),
    /** Back to the first page (after a filter change). */
    reset: () => {
      cursors.value = [undefined]
      return load(0)
    },
    /** Reloads the current page (after an edit). */
    reload: () => load(pageIndex.value),
    next: () => (nextCursor.value ? load(pageIndex.value + 1) : Promise.resolve()),
    previous: () => (pageIndex.value > 0 ? load(pageIndex.value - 1) : Promise.resolve()),
  }
}
