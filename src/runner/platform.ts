import type { Endpoint } from 'comlink'
import type { ModelStore } from '../store/model-store.js'
import type { Resource } from './runnable.js'
import type { StoreRef, WorkerServices } from './services.js'

/** One started worker, as the pool sees it. */
export interface WorkerConnection {
  readonly endpoint: Endpoint
  /** Called once when the worker crashes, exits or fails to load, with the cause. */
  onExit(listener: (cause: Error) => void): void
  terminate(): Promise<void>
}

/**
 * What a runner needs from the runtime it runs in. One implementation per runtime (Node, browser); the
 * runner, the pool and the batcher know nothing else about where they are.
 */
export interface RunnerPlatform {
  readonly name: string
  /** Starts a worker running tiffin's worker entry for this runtime. */
  spawnWorker(label: string): WorkerConnection
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
  /** The services a runnable gets when it runs in the calling thread (`initLocal`). */
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
