import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { watch } from 'vue'
import { routes } from './routes'
import { useAuthStore } from '@/stores/auth'
import { i18n, translate } from '@/i18n'
import { safeRedirect } from './redirect'

export { safeRedirect }

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (to.meta.public) {
    // A signed-in user who opens /login goes where they were heading.
    if (to.name === 'login' && auth.isAuthenticated) return safeRedirect(to.query.redirect)
    return true
  }
  if (!auth.isAuthenticated) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  }
  try {
    await auth.ensureMe()
  } catch {
    // 401 already cleared the session (see main.ts); other failures leave `me` empty and the
    // layout shows what it can.
  }
  if (!auth.isAuthenticated) {
    return { name: 'login', query: { redirect: to.fullPath } }
  }
  // Pages check `meta.perm` themselves in AppLayout (it shows a "not allowed" page in place).
  return true
})

function updateTitle(route: RouteLocationNormalized) {
  const key = route.meta.titleKey
  const app = translate('app.name')
  document.title = key ? `${translate(key)} · ${app}` : app
}

router.afterEach((to) => updateTitle(to))
watch(i18n.global.locale, () => updateTitle(router.currentRoute.value))
