// ONNX Runtime for pages, Web Workers and Service Workers: onnxruntime-web on WebGPU or WASM.
//
// The default `onnxruntime-web` build is imported statically: one binary (ort-wasm-simd-threaded.jsep.wasm)
// serves both WebGPU (JSEP) and WASM, so falling back costs no second download, and a static import is
// what works in a Service Worker, where import() is disallowed.
import type * as ort from 'onnxruntime-common'
import * as ortWeb from 'onnxruntime-web'
import type { LoadedOnnxRuntime, OnnxRuntimeLoader } from '../../runner/platform.js'
import type { Resource } from '../../runner/runnable.js'
import { BUNDLED_ONNX_FILES } from './bundled-onnx-files.js'
import { describeAdapter, findGpuAdapter } from './gpu.js'

/** The WebAssembly file the default onnxruntime-web build loads; a build must serve it (Vite does on its own). */
export const ORT_WASM_FILE = 'ort-wasm-simd-threaded.jsep.wasm'
/** Its JavaScript glue, which WASM threads can load as their worker script (see `mjsUrl`). */
export const ORT_GLUE_FILE = 'ort-wasm-simd-threaded.jsep.mjs'

export interface BrowserOnnxOptions {
  /**
   * Where to fetch {@link ORT_WASM_FILE} from. By default onnxruntime-web finds it beside its own bundle,
   * which works with the Vite dev server and Vite builds. A Service Worker must set it: there only the
   * object form `env.wasm.wasmPaths = { wasm }` works.
   */
  readonly wasmUrl?: string | URL
  /**
   * Where to fetch {@link ORT_GLUE_FILE} from, for WASM threads in a production bundle. Each WASM thread is
   * a worker that loads onnxruntime-web's own module; when a bundler has put that module in a chunk that
   * imports app code (Vite does), the threads run the app and never start. Pointing them at the
   * standalone glue script avoids that. Not needed on one thread, nor with the Vite dev server.
   */
  readonly mjsUrl?: string | URL
}

/** What this thread's onnxruntime-web was configured with: ORT reads `env.wasm` once, at its first session. */
let applied: { threads: number; why: string } | undefined

function configureWasm(options: BrowserOnnxOptions, threads: number): string {
  if (applied)
    return applied.threads === threads
      ? applied.why
      : `${applied.why} (set when this thread first loaded onnxruntime-web; ${threads} asked)`
  let why: string
  let numThreads = Math.max(1, Math.floor(threads))
  if (typeof Worker === 'undefined') {
    numThreads = 1
    why = 'WASM on 1 thread (no Worker here, as in a Service Worker)'
  } else if (!globalThis.crossOriginIsolated) {
    why = `WASM on 1 thread (${numThreads > 1 ? `${numThreads} asked, but ` : ''}not cross-origin isolated: serve the page with COOP same-origin and COEP require-corp for threads; the tiffin-serve Vite plugin sends them in dev and preview)`
    numThreads = 1
  } else {
    why = `WASM on ${numThreads} thread${numThreads === 1 ? '' : 's'}`
  }
  ortWeb.env.wasm.numThreads = numThreads
  const absolute = (url: string | URL): string => new URL(url, globalThis.location?.href).href
  if (options.wasmUrl !== undefined || options.mjsUrl !== undefined) {
    ortWeb.env.wasm.wasmPaths = {
      ...(options.wasmUrl !== undefined && { wasm: absolute(options.wasmUrl) }),
      // The glue is loaded with import(), which a Service Worker refuses; it only matters for threads anyway.
      ...(options.mjsUrl !== undefined && numThreads > 1 && { mjs: absolute(options.mjsUrl) }),
    }
  }
  applied = { threads, why }
  return why
}

/**
 * A loader for onnxruntime-web; the options point it at its files where the default does not work.
 * onnxruntime-web reads these settings once per thread, so the first loader to run in a thread decides.
 */
export function createBrowserOnnxRuntime(given: BrowserOnnxOptions = {}): OnnxRuntimeLoader {
  // Where the app's bundle serves the files (the Vite plugin says), unless the caller says otherwise.
  const options = { ...BUNDLED_ONNX_FILES, ...given }
  return async (preferred, threads) => {
    const skipped: string[] = []
    const loaded = (executionProvider: Resource, why: string): LoadedOnnxRuntime => ({
      ort: ortWeb as typeof ort,
      executionProvider,
      backend: 'onnxruntime-web',
      reason: [...skipped, why].join('; '),
    })
    for (const resource of preferred) {
      if (resource === 'webgpu') {
        const found = await findGpuAdapter()
        if ('adapter' in found) {
          // A WebGPU session starts the WASM runtime too (it runs the ops WebGPU lacks), so configure it first.
          configureWasm(options, threads)
          return loaded('webgpu', describeAdapter(found.adapter))
        }
        skipped.push(`${found.missing}: using WASM`)
        continue
      }
      if (resource === 'cpu') skipped.push('cpu runs as WASM in a browser')
      return loaded('wasm', configureWasm(options, threads))
    }
    // Nothing preferred is available: WASM runs everywhere.
    return loaded('wasm', configureWasm(options, threads))
  }
}

/** onnxruntime-web with its .wasm found the default way. */
export const browserOnnxRuntime: OnnxRuntimeLoader = createBrowserOnnxRuntime()
