// tiffin-serve/service-worker: the core, plus serving a service from a Service Worker (runners in its own
// thread, or on workers a page lends) and the IndexedDB model store, which Service Workers can open too.
export * from './index.js'
export * from './adapters/service-worker/index.js'
