// tiffin for pages and Web Workers: the core plus the IndexedDB model store.
export * from './index.js'
export { indexedDBStore, IndexedDBBackend } from './store/idb.js'
export type { IndexedDBStoreOptions } from './store/idb.js'
