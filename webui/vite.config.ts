import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// Where `npm run dev` / `npm run preview` forward API calls. The Orderly server listens on
// 127.0.0.1:8080 by default; ORDERLY_API_TARGET points the dev server at another instance.
const apiTarget = process.env.ORDERLY_API_TARGET ?? 'http://127.0.0.1:8080'
const proxy = {
  '/api': { target: apiTarget, changeOrigin: false },
  '/healthz': { target: apiTarget, changeOrigin: false },
}

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus on demand: each <el-…> component (and v-loading) is imported, with its CSS,
    // by the chunk that uses it, instead of the whole library and stylesheet in the entry.
    // (No styles under Vitest: node cannot import .css files from node_modules.)
    AutoImport({ resolvers: [ElementPlusResolver({ importStyle: process.env.VITEST ? false : 'css' })], dts: false }),
    Components({ resolvers: [ElementPlusResolver({ importStyle: process.env.VITEST ? false : 'css' })], dts: false }),
  ],
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
        // Vue and its companions, needed by every page, in one long-cached chunk. Element Plus,
        // @vue-flow/core and dagre are left to the automatic splitting: each goes into the chunks
        // of the pages that use it (a group would also take in its dependencies, Vue included,
        // and put the whole of it before the login page).
        codeSplitting: {
          groups: [
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
