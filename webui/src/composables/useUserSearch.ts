// Server-side user search for the user pickers (GET /api/v1/users?q=): the latest answer wins,
// disabled users are left out, and a failed search shows an empty list.
import { ref } from 'vue'
import { api, unwrap } from '@/api/client'
import type { User } from '@/api/types'

export function useUserSearch() {
  const options = ref<User[]>([])
  const loading = ref(false)
  let seq = 0

  async function search(q: string) {
    const mySeq = ++seq
    loading.value = true
    try {
      const page = await unwrap(api.GET('/api/v1/users', { params: { query: { q: q || undefined, limit: 20 } } }))
      if (mySeq === seq) options.value = page.items.filter((u) => !u.disabled)
    } catch {
      if (mySeq === seq) options.value = []
    } finally {
      if (mySeq === seq) loading.value = false
    }
  }

  return { options, loading, search }
}
