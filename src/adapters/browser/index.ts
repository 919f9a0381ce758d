// What runs only in pages: Web Worker runners, the IndexedDB store, onnxruntime-web, lending to a Service Worker.
export { indexedDBStore, IndexedDBBackend } from '../../store/idb.js'
export type { IndexedDBStoreOptions } from '../../store/idb.js'
export { browserPlatform } from './platform.js'
export { createBrowserOnnxRuntime } from '../web/onnx-runtime.js'
export type { BrowserOnnxOptions } from '../web/onnx-runtime.js'
export { lendRunners } from './page-lending.js'
export { registerServiceWorker } from './register-service-worker.js'
export type { LocalApi } from './register-service-worker.js'
