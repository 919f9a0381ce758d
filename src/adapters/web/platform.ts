// What pages, Web Workers and Service Workers offer runners alike: the IndexedDB store, WebGPU where an
// adapter exists, and WASM. The browser and Service Worker platforms add how (and whether) workers start.
import type { OnnxRuntimeLoader, RunnerPlatform, StoreRef, WorkerServices } from '../../runner/platform.js'
import { IndexedDBBackend, indexedDBStore } from '../../store/idb.js'
import type { ModelStore } from '../../store/model-store.js'
import { findGpuAdapter } from './gpu.js'

/** The one way a web thread opens the model store a runner was given: the same IndexedDB database. */
export function webServices(onnxRuntime: OnnxRuntimeLoader): WorkerServices {
  return {
    openStore(ref: StoreRef): ModelStore {
      if (ref.kind !== 'indexeddb') throw new TypeError(`A browser thread cannot open a ${ref.kind} store`)
      return indexedDBStore({ database: ref.database })
    },
    onnxRuntime,
  }
}

const NO_NATIVE = 'browsers run native code only as WASM'

export function webPlatform(
  name: string,
  cores: () => number,
  services: WorkerServices,
  spawnWorker?: RunnerPlatform['spawnWorker'],
): RunnerPlatform {
  return {
    name,
    ...(spawnWorker && { spawnWorker }),
    cores,
    async resources() {
      const gpu = await findGpuAdapter()
      if ('adapter' in gpu) return { available: ['webgpu', 'wasm'], missing: { cpu: NO_NATIVE } }
      return { available: ['wasm'], missing: { webgpu: gpu.missing, cpu: NO_NATIVE } }
    },
    gpuAdapters: async () => ('adapter' in (await findGpuAdapter()) ? 1 : 0),
    defaultStore: () => indexedDBStore(),
    storeRef(store) {
      if (!(store.backend instanceof IndexedDBBackend))
        throw new TypeError(`Runners in ${name} can open only an IndexedDB store, not ${store.location}`)
      return { kind: 'indexeddb', database: store.backend.database }
    },
    services,
  }
}
