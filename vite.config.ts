import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

// Cross-origin isolation lets onnxruntime-web run WASM with several threads, and un-rounds performance.now().
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  // Every dependency found up front: one discovered late makes the dev server reload open pages, which
  // would cut a browser test short. Service Worker scripts are not reachable from HTML, hence the list.
  optimizeDeps: {
    entries: ['test/browser/pages/*.html', 'bench/pages/*.html', 'demo/**/*.html'],
    include: [
      'comlink',
      'idb',
      'onnxruntime-web',
      'hono',
      'hono/body-limit',
      'hono/cors',
      'hono/request-id',
      'fast-png',
      'jpeg-js',
    ],
  },
  test: {
    include: ['test/unit/**/*.test.ts'],
    // README examples import the package by name; in tests they get these sources.
    alias: [
      { find: /^tiffin-serve$/, replacement: new URL('./src/index.ts', import.meta.url).pathname },
      {
        find: /^tiffin-serve\/(node|browser|service-worker|client)$/,
        replacement: new URL('./src/$1.ts', import.meta.url).pathname,
      },
    ],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two files at once even on 2 cores (the default leaves one core idle): most wait on the servers and
    // workers they start, and the load they share has found races that one file at a time hid.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
