import { countLive } from '../../runner/live-counts.js'
import { exitSignal, type RunnerPlatform, type WorkerConnection } from '../../runner/platform.js'
import type { StoreRef, WorkerServices } from '../../runner/services.js'
import { IndexedDBBackend, indexedDBStore } from '../../store/idb.js'
import type { ModelStore } from '../../store/model-store.js'

export const browserServices: WorkerServices = {
  openStore(ref: StoreRef): ModelStore {
    if (ref.kind !== 'indexeddb') throw new TypeError(`A browser worker cannot open a ${ref.kind} store`)
    return indexedDBStore({ database: ref.database })
  },
  // Imported on first use, so runners that do not run ONNX never load ONNX Runtime.
  onnxRuntime: async (preferred, threads) => (await import('../web/onnx-runtime.js')).browserOnnxRuntime(preferred, threads),
}

/** Starts a Web Worker that serves runnables (see `serveWebWorker`), named for the runner it belongs to. */
export type WorkerFactory = (name: string) => Worker

// Written out in full so bundlers (Vite) see the worker and build it.
const defaultWorker: WorkerFactory = (name) => new Worker(new URL('../../../workers/web.js', import.meta.url), { type: 'module', name })

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
    if ((event.data as { tiffinWorkerClosing?: string } | null)?.tiffinWorkerClosing) exit(new Error(`closed itself (${(event.data as { tiffinWorkerClosing: string }).tiffinWorkerClosing})`))
  })
  return {
    endpoint: worker,
    onExit,
    async terminate() {
      worker.terminate()
      exit(new Error('was terminated'))
    },
  }
}

async function hasGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
  return Boolean(gpu && (await gpu.requestAdapter().catch(() => null)))
}

/**
 * Runners in pages: Web Workers, the IndexedDB model store, onnxruntime-web on WebGPU or WASM. A bundle
 * that gives its workers the runnables up front (as `tiffin build` does) passes its own worker factory.
 */
export const createBrowserPlatform = (createWorker: WorkerFactory = defaultWorker): RunnerPlatform => ({
  name: 'the browser',
  spawnWorker: (label) => spawnWorker(createWorker, label),
  cores: () => navigator.hardwareConcurrency || 2,
  async resources() {
    if (await hasGpuAdapter()) return { available: ['webgpu', 'wasm'], missing: { cpu: 'browsers run native code only as WASM' } }
    const why = 'gpu' in navigator ? 'no WebGPU adapter' : 'this browser has no WebGPU'
    return { available: ['wasm'], missing: { webgpu: why, cpu: 'browsers run native code only as WASM' } }
  },
  gpuAdapters: async () => ((await hasGpuAdapter()) ? 1 : 0),
  defaultStore: () => indexedDBStore(),
  storeRef(store) {
    if (!(store.backend instanceof IndexedDBBackend)) throw new TypeError(`Web Workers can open only an IndexedDB store, not ${store.location}`)
    return { kind: 'indexeddb', database: store.backend.database }
  },
  services: browserServices,
})

export const browserPlatform: RunnerPlatform = createBrowserPlatform()
