// The one seam between runners and the runtime they run in. Each runtime implements it once, in
// adapters/<runtime>/; the runner, the pool and the batcher know nothing else about where they are.
import type { Endpoint } from 'comlink'
import type * as ort from 'onnxruntime-common'
import type { ModelStore } from '../store/model-store.js'
import type { Resource } from './runnable.js'

/** One started worker, as the pool sees it. */
export interface WorkerConnection {
  readonly endpoint: Endpoint
  /** The worker shares this thread's memory (a worker it started itself), so calls may go through a SharedArrayBuffer. */
  readonly sharesMemory?: boolean
  /** Called once when the worker crashes, exits or fails to load, with the cause. */
  onExit(listener: (cause: Error) => void): void
  terminate(): Promise<void>
  /**
   * Takes the next message already waiting on `port` at once, where the runtime can (Node): the answers a
   * worker sent before it died are read before its calls are given up.
   */
  receiveNow?(port: MessagePort): { readonly message: unknown } | undefined
}

/** How a worker finds the runner's model store: the same store, opened again on the worker's side. */
export type StoreRef =
  { readonly kind: 'file'; readonly root: string } | { readonly kind: 'indexeddb'; readonly database: string }

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

/** What a runtime gives the code that runs inside a worker (or in the calling thread), so runnables stay runtime-free. */
export interface WorkerServices {
  openStore(ref: StoreRef): ModelStore
  onnxRuntime: OnnxRuntimeLoader
  /** Imports a runnable's module; by default `import()`. */
  importModule?(url: string): Promise<unknown>
}

/** What a runner needs from the runtime it runs in. */
export interface RunnerPlatform {
  readonly name: string
  /**
   * Starts a worker running tiffin's worker entry for this runtime. Absent where a runtime cannot start
   * workers (a Service Worker): runners there run in the calling thread or on workers lent to them.
   */
  readonly spawnWorker?: (label: string) => WorkerConnection
  /** Logical cores, as the runtime reports them. */
  cores(): number
  /** The resources this runtime can offer, best first, each with why others are missing. */
  resources(): Promise<{ available: Resource[]; missing: Partial<Record<Resource, string>> }>
  /** How many GPU adapters WebGPU runnables may use (one worker each). */
  gpuAdapters(): Promise<number>
  /** The default model store of this runtime. */
  defaultStore(): ModelStore
  /** How a worker opens `store` again on its side. */
  storeRef(store: ModelStore): StoreRef
  /** The services a runnable gets in this runtime's workers and in the calling thread (`initLocal`). */
  readonly services: WorkerServices
}

/** The one-shot exit every connection reports: listeners added late still hear the cause. */
export function exitSignal(): { exit(cause: Error): void; onExit(listener: (cause: Error) => void): void } {
  const listeners: ((cause: Error) => void)[] = []
  let exited: Error | undefined
  return {
    exit(cause) {
      if (exited) return
      exited = cause
      for (const listener of listeners.splice(0)) listener(cause)
    },
    onExit(listener) {
      if (exited) listener(exited)
      else listeners.push(listener)
    },
  }
}
