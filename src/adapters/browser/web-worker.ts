import { expose, type Endpoint } from 'comlink'
import { onnxRunnable } from '../../onnx/runnable.js'
import { createWorkerHost } from '../../runner/host.js'
import type { WorkerServices } from '../../runner/platform.js'
import { provideRunnables } from '../../runner/registry.js'
import { workerApi } from '../../runner/worker-api.js'
import { closingMessage } from '../web/messages.js'
import { browserOnnxRuntime } from '../web/onnx-runtime.js'
import { webServices } from '../web/platform.js'
import { bundledRunnables } from './bundled-runnables.js'

/** What a page's bundle needs when a worker cannot find its runnable. */
const BUNDLER_HINT =
  "a bundler has moved it into code the worker cannot use: in a Vite app add the tiffin-serve Vite plugin (import tiffin from 'tiffin-serve/vite'; plugins: [tiffin()]), which bundles runnables into the worker"

/**
 * Serves runnables to the runner that started this Web Worker. Call once, at the top of the worker script.
 * ONNX Runtime is imported statically: a bundle's dynamic chunks are built for pages, not for workers.
 */
export function serveWebWorker(services: WorkerServices = webServices(browserOnnxRuntime)): void {
  // tiffin's own ONNX runnable and the app's bundled ones are found by name, whatever chunks a bundler made.
  provideRunnables([onnxRunnable, ...bundledRunnables()])
  const scope = globalThis as unknown as Endpoint & { close(): void }
  // A Web Worker that closes itself sends no event to its page, so it says so first.
  const close = scope.close.bind(scope)
  scope.close = () => {
    scope.postMessage(closingMessage('self.close()'))
    close()
  }
  expose(workerApi(createWorkerHost(services, undefined, BUNDLER_HINT)), scope)
}
