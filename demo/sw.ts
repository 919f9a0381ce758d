// The demo's Service Worker: answers /api/* with the demo service, running its runner here (one thread:
// a Service Worker cannot start workers) and on the workers the page lends it.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url'
import { serveFromServiceWorker } from '../src/service-worker.js'
import { service } from './service.js'

const PREFIX = '/api'

serveFromServiceWorker(service, { prefix: PREFIX, runners: 'both', onnx: { wasmUrl } })
