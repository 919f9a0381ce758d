// The Web Worker entry: serves a runnable to the runner that started this worker.
import { expose, type Endpoint } from 'comlink'
import { browserServices } from '../src/adapters/browser-platform.js'
import { createWorkerHost } from '../src/runner/host.js'
import { workerApi } from '../src/runner/worker-api.js'

const scope = globalThis as unknown as Endpoint & { close(): void }
// A Web Worker that closes itself sends no event to its page, so it says so first.
const close = scope.close.bind(scope)
scope.close = () => {
  scope.postMessage({ tiffinWorkerClosing: 'self.close()' })
  close()
}
expose(workerApi(createWorkerHost(browserServices)), scope)
