import { Unsupported } from '../../errors.js'
import { createBrowserOnnxRuntime, type BrowserOnnxOptions } from '../web/onnx-runtime.js'
import type { RunnerPlatform } from '../../runner/platform.js'
import { IndexedDBBackend, indexedDBStore } from '../../store/idb.js'

/**
 * Runners inside a Service Worker. A Service Worker cannot start Web Workers, so runners run embedded
 * (in the Service Worker's own thread, on one WASM thread or WebGPU) or on workers a page lends them.
 * ONNX Runtime is imported statically: `import()` is refused in Service Workers.
 */
export function serviceWorkerPlatform(onnx: BrowserOnnxOptions = {}): RunnerPlatform {
  const onnxRuntime = createBrowserOnnxRuntime(onnx)
  const gpu = async (): Promise<boolean> => {
    const navigatorGpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
    return Boolean(navigatorGpu && (await navigatorGpu.requestAdapter().catch(() => null)))
  }
  return {
    name: 'a Service Worker',
    spawnWorker() {
      throw new Unsupported('A Service Worker cannot start Web Workers: run the runner embedded, or let a page lend it workers')
    },
    cores: () => 1,
    async resources() {
      const cpu = 'browsers run native code only as WASM'
      return (await gpu()) ? { available: ['webgpu', 'wasm'], missing: { cpu } } : { available: ['wasm'], missing: { webgpu: 'no WebGPU adapter', cpu } }
    },
    gpuAdapters: async () => ((await gpu()) ? 1 : 0),
    defaultStore: () => indexedDBStore(),
    storeRef(store) {
      if (!(store.backend instanceof IndexedDBBackend)) throw new TypeError(`A Service Worker opens only an IndexedDB store, not ${store.location}`)
      return { kind: 'indexeddb', database: store.backend.database }
    },
    services: {
      openStore: (ref) => {
        if (ref.kind !== 'indexeddb') throw new TypeError(`A Service Worker cannot open a ${ref.kind} store`)
        return indexedDBStore({ database: ref.database })
      },
      onnxRuntime,
    },
  }
}
