// tiffin for Service Workers: the core, plus serving a service from a Service Worker (runners embedded,
// or on workers a page lends) and the IndexedDB model store, which Service Workers can open too.
export * from './index.js'
export { indexedDBStore, IndexedDBBackend } from './store/idb.js'
export type { IndexedDBStoreOptions } from './store/idb.js'
export { serveFromServiceWorker } from './adapters/service-worker/handler.js'
export type { ServiceWorkerOptions } from './adapters/service-worker/handler.js'
export { serviceWorkerPlatform } from './adapters/service-worker/platform.js'
export type { BrowserOnnxOptions } from './adapters/web/onnx-runtime.js'
