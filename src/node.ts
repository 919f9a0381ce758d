// tiffin for Node: the core, plus the file model store, worker_threads runners and the HTTP server.
export * from './index.js'
export { fileStore, tiffinHome, FileBackend } from './store/fs.js'
export { nodePlatform } from './adapters/node-platform.js'
export { serve, serveRunner } from './adapters/node.js'
export { connectReplicas } from './adapters/replicas.js'
export type { ServeOptions, RunningServer } from './adapters/node.js'
export { loadServiceModule } from './adapters/load-module.js'
