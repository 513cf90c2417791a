import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// Where `npm run dev` / `npm run preview` forward API calls. The Orderly server listens on
// 127.0.0.1:8080 by default; ORDERLY_API_TARGET points the dev server at another instance.
const apiTarget = process.env.ORDERLY_API_TARGET ?? 'http://127.0.0.1:8080'
const proxy = {
  '/api': { target: apiTarget, changeOrigin: false },
  '/healthz': { target: apiTarget, changeOrigin: false },
}

export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    // vue-i18n feature flags (composition API only, no devtools in production).
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: { proxy },
  preview: { proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        // Keep the big, rarely changing libraries in their own long-cached chunks.
        codeSplitting: {
          groups: [
            { name: 'element-plus', test: /node_modules[\\/](element-plus|@element-plus|@floating-ui|@vueuse|dayjs|lodash)/ },
            { name: 'vue-flow', test: /node_modules[\\/](@vue-flow|d3-[a-z-]+|vue-demi)[\\/]/ },
            { name: 'vendor', test: /node_modules[\\/](vue|@vue|vue-router|pinia|vue-i18n|@intlify|openapi-fetch)[\\/]/ },
          ],
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    environmentOptions: { happyDOM: { url: 'http://localhost:5173/' } },
    // test/: checks over the whole project (e.g. clients generated from the spec).
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
  },
})
