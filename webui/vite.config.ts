import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

/**
 * Writes file.br and file.gz beside every text file of the build, with node's own zlib (no
 * dependency to keep up). The Orderly server and nginx's gzip_static send them to clients that
 * accept them; the hashed names keep the compressed copies as cacheable as the originals.
 */
function precompress(): Plugin {
  let outDir = 'dist'
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? walk(path) : [path]
    })
  return {
    name: 'orderly-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!/\.(js|mjs|css|html|svg|json|txt|ttf|woff)$/.test(file)) continue
        const data = readFileSync(file)
        if (data.length < 1024) continue
        const gz = gzipSync(data, { level: 9 })
        const br = brotliCompressSync(data, {
          params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length },
        })
        if (gz.length < data.length) writeFileSync(`${file}.gz`, gz)
        if (br.length < data.length) writeFileSync(`${file}.br`, br)
      }
    },
  }
}

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
    precompress(),
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
