// The built Service Worker: answers `<folder>/<prefix>/*` with the service, and keeps the page's files, offline.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url'
import options from 'virtual:tiffin/options'
import * as serviceModule from 'virtual:tiffin/service'
import shell from 'virtual:tiffin/shell'
import { serveFromServiceWorker } from '../../adapters/service-worker/handler.js'
import { pickService } from '../../service/pick-service.js'
import { cacheAppShell } from './shell-cache.js'

const scope = new URL((globalThis as unknown as { registration: { scope: string } }).registration.scope)
serveFromServiceWorker(pickService(serviceModule, 'the built service'), {
  prefix: new URL(options.prefix, scope).pathname,
  runners: options.runners,
  onnx: { wasmUrl },
})
cacheAppShell(shell, scope)
