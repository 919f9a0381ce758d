import { expose, type Endpoint } from 'comlink'
import { createWorkerHost } from '../../runner/host.js'
import type { WorkerServices } from '../../runner/platform.js'
import { workerApi } from '../../runner/worker-api.js'
import { closingMessage } from '../web/messages.js'
import { browserServices } from './platform.js'

/** Serves runnables to the runner that started this Web Worker. Call once, at the top of the worker script. */
export function serveWebWorker(services: WorkerServices = browserServices): void {
  const scope = globalThis as unknown as Endpoint & { close(): void }
  // A Web Worker that closes itself sends no event to its page, so it says so first.
  const close = scope.close.bind(scope)
  scope.close = () => {
    scope.postMessage(closingMessage('self.close()'))
    close()
  }
  expose(workerApi(createWorkerHost(services)), scope)
}
