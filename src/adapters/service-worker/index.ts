// What runs only in Service Workers: answering a service's routes, with runners in this thread or on lent workers.
export { indexedDBStore, IndexedDBBackend } from '../../store/idb.js'
export type { IndexedDBStoreOptions } from '../../store/idb.js'
export { serveFromServiceWorker } from './handler.js'
export type { ServiceWorkerOptions } from './handler.js'
export { serviceWorkerPlatform } from './platform.js'
export type { BrowserOnnxOptions } from '../web/onnx-runtime.js'
