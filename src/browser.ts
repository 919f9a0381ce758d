// tiffin for pages and Web Workers: the core, plus the IndexedDB model store and Web Worker runners.
export * from './index.js'
export { indexedDBStore, IndexedDBBackend } from './store/idb.js'
export type { IndexedDBStoreOptions } from './store/idb.js'
export { browserPlatform } from './adapters/browser/platform.js'
export { createBrowserOnnxRuntime } from './adapters/web/onnx-runtime.js'
export type { BrowserOnnxOptions } from './adapters/web/onnx-runtime.js'
export { lendRunners } from './adapters/browser/page-lending.js'
