import type { ModelInfo } from '../store/manifest.js'
import type { ModelStore } from '../store/model-store.js'
import { liveCounts, type LiveCounts } from './live-counts.js'
import type { StoreRef, WorkerServices } from './platform.js'
import { providedRunnable } from './registry.js'
import type { MethodBatching, MethodMap, Resource, Runnable } from './runnable.js'

/** Everything a worker needs to set up a runnable: sent once, as plain data. */
export interface WorkerSpec {
  readonly runner: string
  /** The runnable's name, to find it among runnables bundled into the worker. */
  readonly runnable: string
  readonly module: string
  readonly exportName: string
  readonly params: unknown
  readonly models: readonly ModelInfo[]
  readonly store: StoreRef | undefined
  readonly resource: Resource
  /** The resource is settled: pinned, or chosen by an earlier worker's check (see RunnableContext). */
  readonly resourceConfirmed: boolean
  readonly threads: number
  readonly batching: Readonly<Record<string, MethodBatching>>
}

export interface SetupReport {
  readonly methods: string[]
  readonly notes: string[]
  /** The resource the runnable chose instead of the one it was given, and why. */
  readonly chosen?: { readonly resource: Resource; readonly reason: string }
}

/** The object a worker exposes: set up once, then called one method at a time. */
export interface WorkerHost {
  setup(spec: WorkerSpec): Promise<SetupReport>
  call(method: string, input: unknown): Promise<unknown>
  /** What this thread holds open, for leak checks. */
  counts(): Promise<LiveCounts>
  /** Runs what the runnable asked to run at shutdown (releasing its sessions); the runner calls it once, last. */
  teardown(): Promise<void>
}

/** For a runnable run in the calling thread: the objects themselves, nothing to import or open. */
export interface LocalRunnable {
  readonly runnable: Runnable
  readonly store: ModelStore | undefined
}

/**
 * Runs a runnable wherever it is placed: in a Web Worker, a worker_threads worker, or the calling
 * thread. A worker imports the runnable's module itself, because functions cannot be sent to a worker;
 * in the calling thread the runnable is at hand (and a Service Worker could not import it anyway).
 */
export function createWorkerHost(services: WorkerServices, local?: LocalRunnable, notFoundHint?: string): WorkerHost {
  let methods: MethodMap | undefined
  let runnerName = ''
  const cleanups: (() => Promise<void> | void)[] = []
  return {
    async setup(spec) {
      runnerName = spec.runner
      const runnable =
        local?.runnable ??
        providedRunnable(spec.runnable, spec.exportName) ??
        (await importRunnable(spec, services, notFoundHint))
      const store = local ? local.store : spec.store ? services.openStore(spec.store) : undefined
      const notes: string[] = []
      let chosen: SetupReport['chosen']
      methods = await runnable.setup({
        params: spec.params,
        models: spec.models,
        get store(): ModelStore {
          if (!store) throw new TypeError(`Runner "${spec.runner}" was given no model store`)
          return store
        },
        resource: spec.resource,
        resourceConfirmed: spec.resourceConfirmed,
        threads: spec.threads,
        batching: spec.batching,
        onnxRuntime: services.onnxRuntime,
        report: (note) => notes.push(note),
        chose: (resource, reason) => void (chosen = { resource, reason }),
        onShutdown: (cleanup) => void cleanups.push(cleanup),
      })
      return { methods: Object.keys(methods), notes, ...(chosen && { chosen }) }
    },
    async call(method, input) {
      const fn = methods?.[method]
      if (!fn) throw new TypeError(`Runner "${runnerName}" has no method "${method}" set up`)
      return (fn as (input: unknown) => unknown)(input)
    },
    counts: async () => liveCounts(),
    async teardown() {
      methods = undefined
      // Last registered, first run; every cleanup runs even when one fails, and the first failure is thrown.
      let failure: { error: unknown } | undefined
      for (const cleanup of cleanups.splice(0).reverse()) {
        try {
          await cleanup()
        } catch (error) {
          failure ??= { error }
        }
      }
      if (failure) throw failure.error
    },
  }
}

/**
 * Imports a runnable's module in the worker. Where that fails, or the module lacks the export, a bundler
 * has most likely moved the runnable into a chunk of its own naming (or into the page's code): `hint`
 * says what fixes it in this runtime.
 */
async function importRunnable(spec: WorkerSpec, services: WorkerServices, hint: string | undefined): Promise<Runnable> {
  const load = services.importModule ?? ((url: string) => import(/* @vite-ignore */ url))
  const fail = (why: string, cause?: unknown): never => {
    throw new TypeError(`The runnable "${spec.runnable}" is not in this worker, and ${why}${hint ? `; ${hint}` : ''}`, {
      cause,
    })
  }
  let module: Record<string, unknown> = {}
  try {
    module = (await load(spec.module)) as Record<string, unknown>
  } catch (error) {
    fail(`importing ${spec.module} failed (${(error as Error).message})`, error)
  }
  const runnable = module[spec.exportName] as Runnable | undefined
  if (!runnable || typeof runnable.setup !== 'function')
    fail(`${spec.module} has no runnable export "${spec.exportName}"`)
  return runnable!
}
