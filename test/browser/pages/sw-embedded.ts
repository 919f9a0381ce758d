// A Service Worker serving the example service under ./api, with runners embedded.
import { serveFromServiceWorker } from '../../../src/adapters/service-worker/handler.js'
import { service } from '../../fixtures/services/example.js'

serveFromServiceWorker(service, {
  prefix: '/test/browser/pages/api',
  runners: 'embedded',
  onnx: { wasmUrl: '/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm' },
  pageCheckMs: 250,
})
