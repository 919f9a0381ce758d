// The tiffin-serve Vite plugin: what a user's Vite app needs so that tiffin works in `vite` dev and in
// `vite build` with no other setting. It keeps tiffin out of dependency pre-bundling (so a runnable's
// module stays the module a worker imports), builds workers as ES modules, fills in the two modules a
// bundle must supply (onnxruntime-web's file URLs, the app's runnables), sets cross-origin isolation
// headers in dev and preview, and builds and serves the app's Service Worker.
import type { Plugin, ResolvedConfig } from 'vite'
import { PACKAGE_NAME } from '../package-info.js'
import { bundledModules, type BundleState } from './bundled-modules.js'
import { serviceWorkerPlugin } from './service-worker.js'

export interface TiffinViteOptions {
  /**
   * The app's Service Worker module (it calls `serveFromServiceWorker`), relative to the root: built into
   * one file and served as `sw.js` below the app's base, in dev and in the build.
   */
  readonly serviceWorker?: string
  /** The Service Worker's file name below the base (default `sw.js`). */
  readonly serviceWorkerFile?: string
  /**
   * Send COOP `same-origin` and COEP `require-corp` from the dev and preview servers (default true), so
   * the page is cross-origin isolated and onnxruntime-web runs WASM on several threads. A host that
   * serves the build must send them too; without them WASM runs on one thread and the runner's notes say so.
   */
  readonly crossOriginIsolation?: boolean
  /**
   * The modules that define the app's runnables, relative to the root. By default every source file
   * under the root (node_modules and the build's output aside) that calls `defineRunnable`.
   */
  readonly runnables?: readonly string[]
}

/** tiffin's dependencies that run in a browser: pre-bundled up front, since tiffin itself is not. */
const BROWSER_DEPENDENCIES = [
  'comlink',
  'hono',
  'hono/body-limit',
  'hono/cors',
  'hono/request-id',
  'idb',
  'fast-png',
  'jpeg-js',
  'onnxruntime-web',
  '@noble/hashes/sha2.js',
  '@noble/hashes/utils.js',
]

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }

/** `plugins: [tiffin()]` in a Vite config. */
export function tiffin(options: TiffinViteOptions = {}): Plugin[] {
  const state: BundleState = { root: process.cwd(), outDir: 'dist', runnables: options.runnables }
  const headers = options.crossOriginIsolation === false ? {} : ISOLATION
  const setup: Plugin = {
    name: 'tiffin-serve',
    config: () => ({
      optimizeDeps: {
        exclude: [PACKAGE_NAME],
        include: BROWSER_DEPENDENCIES.map((dependency) => `${PACKAGE_NAME} > ${dependency}`),
      },
      // Workers import tiffin's modules and share its chunks as ES modules (WASM threads need them too).
      worker: { format: 'es', plugins: () => [bundledModules(state)] },
      server: { headers },
      preview: { headers },
    }),
    configResolved(config: ResolvedConfig) {
      state.root = config.root
      state.outDir = config.build.outDir
    },
  }
  return [
    setup,
    bundledModules(state),
    ...(options.serviceWorker
      ? [serviceWorkerPlugin(options.serviceWorker, options.serviceWorkerFile ?? 'sw.js', state)]
      : []),
  ]
}
