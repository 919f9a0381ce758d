// tiffin-serve/browser: the core, plus the IndexedDB model store and Web Worker runners.
export * from './index.js'
export * from './adapters/browser/index.js'
