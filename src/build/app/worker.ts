// The built Web Worker: the service's runnables are bundled in, since a bundle has no module to import them from.
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url'
import * as serviceModule from 'virtual:tiffin/service'
import { browserServices } from '../../adapters/browser/platform.js'
import { serveWebWorker } from '../../adapters/browser/web-worker.js'
import { createBrowserOnnxRuntime } from '../../adapters/web/onnx-runtime.js'
import { provideRunnables } from '../../runner/registry.js'
import { pickService } from '../../service/pick-service.js'

provideRunnables(pickService(serviceModule, 'the built service').runners.map((runner) => runner.runnable))
// WASM threads load onnxruntime-web's own glue script, not the bundle chunk that holds it (which imports the app).
serveWebWorker({ ...browserServices, onnxRuntime: createBrowserOnnxRuntime({ mjsUrl }) })
