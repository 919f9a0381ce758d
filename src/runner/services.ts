import type * as ort from 'onnxruntime-common'
import type { ModelStore } from '../store/model-store.js'
import type { Resource } from './runnable.js'

/** How a worker finds the runner's model store: the same store, opened again on the worker's side. */
export type StoreRef = { readonly kind: 'file'; readonly root: string } | { readonly kind: 'indexeddb'; readonly database: string }

/** An ONNX Runtime ready for one resource, and why it was chosen. */
export interface LoadedOnnxRuntime {
  readonly ort: typeof ort
  /** The execution provider to ask for: `webgpu`, `wasm` or `cpu`. */
  readonly executionProvider: Resource
  /** The package that runs it: `onnxruntime-web` or `onnxruntime-node`. */
  readonly backend: string
  /** Why this one, including any fallback ("no WebGPU adapter: using WASM"). */
  readonly reason: string
}

export type OnnxRuntimeLoader = (preferred: readonly Resource[], threads: number) => Promise<LoadedOnnxRuntime>

/**
 * What a runtime gives the code that runs inside a worker. Implemented once per runtime (Node, browser),
 * so runnables and the worker host stay runtime-free.
 */
export interface WorkerServices {
  openStore(ref: StoreRef): ModelStore
  onnxRuntime: OnnxRuntimeLoader
  /** Imports a runnable's module; by default `import()`. */
  importModule?(url: string): Promise<unknown>
}
