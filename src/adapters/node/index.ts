// What runs only in Node: worker_threads runners, the file store, onnxruntime-node, the HTTP server.
export { fileStore, tiffinHome, FileBackend } from '../../store/fs.js'
export { nodePlatform } from './platform.js'
export { serve, serveRunner } from './server.js'
export type { ServeOptions, RunningServer } from './server.js'
export { connectReplicas } from './replicas.js'
export { loadServiceModule } from './load-module.js'
