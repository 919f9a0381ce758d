// The demo's Service Worker: answers /api/* with the demo service, running its runner here (one thread:
// a Service Worker cannot start workers) and on the workers the page lends it; and /ocr-api/* with the
// OCR service, whose three runners run here only.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url'
import { serveFromServiceWorker } from '../src/service-worker.js'
import { service as ocrService } from './ocr/service.js'
import { service } from './service.js'

const PREFIX = '/api'
const OCR_PREFIX = '/ocr-api'

serveFromServiceWorker(service, { prefix: PREFIX, runners: 'both', onnx: { wasmUrl } })
serveFromServiceWorker(ocrService, { prefix: OCR_PREFIX, runners: 'embedded', onnx: { wasmUrl } })
