// ONNX Runtime for Node: native onnxruntime-node for `cpu` (an optional peer dependency), onnxruntime-web
// WASM for `wasm` and whenever the native one is missing. Node has no WebGPU.
import type * as ort from 'onnxruntime-common'
import { Unsupported } from '../../errors.js'
import type { LoadedOnnxRuntime, OnnxRuntimeLoader } from '../../runner/platform.js'
import type { Resource } from '../../runner/runnable.js'

type OrtModule = typeof ort

/**
 * onnxruntime-node is CommonJS and onnxruntime-web's Node build is ESM, so each registers its backends in
 * its own copy of onnxruntime-common and the two never shadow each other in one process.
 */
async function importNative(): Promise<OrtModule | string> {
  try {
    return (await import('onnxruntime-node')) as OrtModule
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'onnxruntime-node is not installed'
    return `onnxruntime-node failed to load (${(error as Error).message})`
  }
}

/**
 * WASM threads work in Node, in the main thread and in worker_threads workers alike (checked with
 * onnxruntime-web 1.30). `env.wasm.numThreads` is read once, when the first WASM session is created in
 * this thread; later loaders get what the first one set.
 */
let wasmThreads: number | undefined

async function loadWasm(threads: number, why: string[]): Promise<LoadedOnnxRuntime> {
  const web = (await import('onnxruntime-web')) as OrtModule
  if (wasmThreads === undefined) {
    wasmThreads = Math.max(1, Math.floor(threads))
    web.env.wasm.numThreads = wasmThreads
  }
  const threadNote =
    wasmThreads === threads
      ? `${wasmThreads} thread${wasmThreads === 1 ? '' : 's'}`
      : `${wasmThreads} threads (fixed by this thread's first WASM session; ${threads} asked)`
  return {
    ort: web,
    executionProvider: 'wasm',
    backend: 'onnxruntime-web',
    reason: [...why, `WASM in Node, ${threadNote}`].join('; '),
  }
}

export const nodeOnnxRuntime: OnnxRuntimeLoader = async (preferred, threads) => {
  const why: string[] = []
  for (const resource of preferred) {
    const loaded = await tryLoad(resource, threads, why)
    if (loaded) return loaded
  }
  // Nothing preferred is available here: native CPU is the best Node can do (and falls back to WASM).
  return loadCpu(threads, why)
}

async function loadCpu(threads: number, why: string[]): Promise<LoadedOnnxRuntime> {
  const native = await importNative()
  if (typeof native === 'string') {
    why.push(`${native}: using WASM instead`)
    return loadWasm(threads, why)
  }
  const threadNote = `${threads} intra-op thread${threads === 1 ? '' : 's'}`
  return {
    ort: native,
    executionProvider: 'cpu',
    backend: 'onnxruntime-node',
    reason: [...why, `native CPU, ${threadNote}`].join('; '),
  }
}

async function tryLoad(resource: Resource, threads: number, why: string[]): Promise<LoadedOnnxRuntime | undefined> {
  switch (resource) {
    case 'webgpu':
      why.push('webgpu is not available in Node')
      return undefined
    case 'wasm':
      return loadWasm(threads, why)
    case 'cpu':
      return loadCpu(threads, why)
    default:
      throw new Unsupported(`Unknown resource "${String(resource)}"; expected webgpu, wasm or cpu`)
  }
}
