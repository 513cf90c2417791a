// The bell's count of unread notices (GET /me/inbox/count): asked when the app starts, every
// 30 seconds while the tab is visible, when the tab comes back, and set from every answer that
// carries it (reading the inbox, marking notices read).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { inbox } from '@/api/ops'

const POLL_MS = 30_000

export const useInboxStore = defineStore('inbox', () => {
  const unread = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null

  async function refresh(): Promise<void> {
    try {
      unread.value = await inbox.count()
    } catch {
      // Signed out or offline: the next tick asks again.
    }
  }

  function onVisible() {
    if (document.visibilityState === 'visible') void refresh()
  }

  function start() {
    if (timer) return
    void refresh()
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh()
    }, POLL_MS)
    document.addEventListener('visibilitychange', onVisible)
  }

  function stop() {
    if (timer) clearInterval(timer)
    timer = null
    document.removeEventListener('visibilitychange', onVisible)
    unread.value = 0
  }

  async function markRead(ids: number[] | 'all'): Promise<void> {
    unread.value = await inbox.read(ids === 'all' ? { all: true } : { ids })
  }

  return { unread, refresh, start, stop, markRead }
})
