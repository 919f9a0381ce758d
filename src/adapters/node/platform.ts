import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'
import { availableParallelism } from 'node:os'
import { receiveMessageOnPort, Worker, type MessagePort as NodeMessagePort } from 'node:worker_threads'
import { BadInput } from '../../errors.js'
import { countLive } from '../../runner/live-counts.js'
import {
  exitSignal,
  type RunnerPlatform,
  type StoreRef,
  type WorkerConnection,
  type WorkerServices,
} from '../../runner/platform.js'
import { FileBackend, fileStore } from '../../store/fs.js'
import type { ModelStore } from '../../store/model-store.js'
import { isTiffinModule, provideTiffin } from './provide-tiffin.js'

// Run from sources (tests, `tsx`), the worker entry is TypeScript and needs tsx's loader in the worker too.
const fromSources = import.meta.url.endsWith('.ts')
const workerEntry = new URL(
  fromSources ? '../../../workers/node-from-sources.mjs' : '../../../workers/node.js',
  import.meta.url,
)

export const nodeServices: WorkerServices = {
  openStore(ref: StoreRef): ModelStore {
    if (ref.kind !== 'file') throw new TypeError(`A Node worker cannot open a ${ref.kind} store`)
    return fileStore(ref.root)
  },
  // Imported on first use, so runners that do not run ONNX never load ONNX Runtime.
  onnxRuntime: async (preferred, threads) => (await import('./onnx-runtime.js')).nodeOnnxRuntime(preferred, threads),
  importModule(url) {
    if (!isTiffinModule(url)) provideTiffin() // a built service's modules import `tiffin-serve` by name
    return import(url)
  },
}

function spawnWorker(label: string): WorkerConnection {
  const worker = new Worker(workerEntry, {
    name: label,
  })
  const { exit, onExit } = exitSignal()
  countLive('workers', 1)
  worker.once('exit', () => countLive('workers', -1))
  worker.on('error', (error) => exit(new Error(`crashed (${error.message})`)))
  worker.on('messageerror', (error) => exit(new Error(`sent a message that could not be read (${error.message})`)))
  worker.on('exit', (code) => exit(new Error(`exited with code ${code}`)))
  return {
    endpoint: nodeEndpoint(worker),
    sharesMemory: true,
    onExit,
    receiveNow: (port) => receiveMessageOnPort(port as unknown as NodeMessagePort),
    async terminate() {
      await worker.terminate()
    },
  }
}

/**
 * The cores runners may use: `TIFFIN_CPUS` where set (the Kubernetes manifests set it from the container's
 * CPU request, so placement uses what the pod asked for), else every core the process sees.
 */
function cores(): number {
  const set = process.env.TIFFIN_CPUS
  if (set === undefined || set === '') return availableParallelism()
  const n = Number(set)
  if (!Number.isInteger(n) || n < 1)
    throw new BadInput(`TIFFIN_CPUS must be a whole number of at least 1, got "${set}"`)
  return n
}

/** Runners in Node: worker_threads workers, the file model store, onnxruntime-node. */
export const nodePlatform: RunnerPlatform = {
  name: 'Node',
  spawnWorker,
  cores,
  resources: async () => ({ available: ['cpu', 'wasm'], missing: { webgpu: 'Node has no WebGPU' } }),
  gpuAdapters: async () => 0,
  defaultStore: () => fileStore(),
  storeRef(store) {
    if (!(store.backend instanceof FileBackend))
      throw new TypeError(`Node workers can open only a file store, not ${store.location}`)
    return { kind: 'file', root: store.backend.root }
  },
  services: nodeServices,
}
