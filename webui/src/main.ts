import { createApp } from 'vue'
import { createPinia } from 'pinia'
// Element Plus comes on demand (vite.config.ts): components with their styles where they are
// used. ElMessage and ElMessageBox are called from scripts, so their styles are loaded here.
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-badge.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-overlay.css'
import 'element-plus/theme-chalk/el-input.css'
import 'element-plus/theme-chalk/el-button.css'
import 'element-plus/theme-chalk/el-message-box.css'
import './styles/main.css'

import App from './App.vue'
import { router } from './router'
import { i18n, syncDocumentLang } from './i18n'
import { configureApi } from './api/client'
import { useAuthStore, TOKEN_STORAGE_KEY } from './stores/auth'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

const auth = useAuthStore()

configureApi({
  getToken: () => auth.token,
  // A 401 on a request that carried our token: the session expired or was revoked.
  onUnauthorized: () => {
    auth.clearSession()
    const current = router.currentRoute.value
    if (current.name !== 'login') {
      void router.replace({
        name: 'login',
        query: { redirect: current.fullPath, expired: '1' },
      })
    }
  },
})

// Signing in or out in another tab applies here too.
window.addEventListener('storage', (e) => {
  if (e.key === TOKEN_STORAGE_KEY || e.key === null) {
    auth.syncFromStorage()
    if (!auth.isAuthenticated && !router.currentRoute.value.meta.public) {
      void router.replace({ name: 'login', query: { redirect: router.currentRoute.value.fullPath } })
    }
  }
})

syncDocumentLang()
app.mount('#app')
