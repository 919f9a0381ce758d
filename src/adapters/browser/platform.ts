import { countLive } from '../../runner/live-counts.js'
import { exitSignal, type RunnerPlatform, type WorkerConnection, type WorkerServices } from '../../runner/platform.js'
import { closingReason } from '../web/messages.js'
import { webPlatform, webServices } from '../web/platform.js'

// ONNX Runtime is imported on first use, so runners that do not run ONNX never load it.
export const browserServices: WorkerServices = webServices(async (preferred, threads) =>
  (await import('../web/onnx-runtime.js')).browserOnnxRuntime(preferred, threads),
)

/** Starts a Web Worker that serves runnables (see `serveWebWorker`), named for the runner it belongs to. */
export type WorkerFactory = (name: string) => Worker

// Written out in full so bundlers (Vite) see the worker and build it.
const defaultWorker: WorkerFactory = (name) =>
  new Worker(new URL('../../../workers/web.js', import.meta.url), { type: 'module', name })

function spawnWorker(createWorker: WorkerFactory, label: string): WorkerConnection {
  const worker = createWorker(label)
  const { exit, onExit } = exitSignal()
  // A Web Worker has no exit event: it counts as gone once it crashed, closed itself or was terminated.
  countLive('workers', 1)
  onExit(() => countLive('workers', -1))
  worker.addEventListener('error', (event) => {
    event.preventDefault()
    exit(new Error(`crashed (${event.message || 'the worker script failed to load'})`))
  })
  worker.addEventListener('messageerror', () => exit(new Error('sent a message that could not be read')))
  // A Web Worker has no exit event: the worker entry says goodbye before it closes itself.
  worker.addEventListener('message', (event: MessageEvent) => {
    const why = closingReason(event.data)
    if (why) exit(new Error(`closed itself (${why})`))
  })
  return {
    endpoint: worker,
    sharesMemory: true,
    onExit,
    async terminate() {
      worker.terminate()
      exit(new Error('was terminated'))
    },
  }
}

/**
 * Runners in pages: Web Workers, the IndexedDB model store, onnxruntime-web on WebGPU or WASM. A bundle
 * that gives its workers the runnables up front (as `tiffin build` does) passes its own worker factory.
 */
export const createBrowserPlatform = (createWorker: WorkerFactory = defaultWorker): RunnerPlatform =>
  webPlatform(
    'the browser',
    () => navigator.hardwareConcurrency || 2,
    browserServices,
    (label) => spawnWorker(createWorker, label),
  )

export const browserPlatform: RunnerPlatform = createBrowserPlatform()
