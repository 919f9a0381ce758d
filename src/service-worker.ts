// tiffin for Service Workers: the core plus the IndexedDB model store, which Service Workers can open too.
export * from './index.js'
export { indexedDBStore, IndexedDBBackend } from './store/idb.js'
export type { IndexedDBStoreOptions } from './store/idb.js'
