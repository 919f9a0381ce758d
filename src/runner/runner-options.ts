// The options and types of a Runner, apart from the class that uses them.
import type { BatchAxes } from '../batch-axes.js'
import type { Clock } from '../batching/clock.js'
import type { BatchingOptions, MethodConfig } from '../batching/config.js'
import type { ModelInfo } from '../store/manifest.js'
import type { ModelStore } from '../store/model-store.js'
import type { Telemetry } from '../telemetry/telemetry.js'
import type { LiveCounts } from './live-counts.js'
import type { RunnerPlatform } from './platform.js'
import type { MethodMap, Resource } from './runnable.js'

export interface RunnerOptions<Params, Methods extends MethodMap> {
  /** Unique within a service; defaults to the runnable's name. */
  readonly name?: string
  /** Model tags (or stored models) the runnable loads; resolved to exact versions when the runner starts. */
  readonly models?: readonly (string | ModelInfo)[]
  readonly runnableInitParams?: Params
  /** Set to false to send every call to a worker on its own. */
  readonly batching?: boolean
  /** Most items (along the batch axis) in one batch. */
  readonly maxBatchSize?: number
  /** The longest a call may take, queue and run, before it is refused as overloaded. */
  readonly maxLatencyMs?: number
  /** Most items waiting at once per method. */
  readonly maxQueueItems?: number
  /** Per-method overrides of the runnable's method configuration and of the batching settings. */
  readonly methodConfigs?: { readonly [K in keyof Methods]?: MethodConfig & BatchingOptions }
  /** How many workers; by default decided from the resource and the runtime's cores. */
  readonly workers?: number
  /** Run on this resource only; by default the best the runnable supports and the runtime offers. */
  readonly resource?: Resource
  /** How long one call may run before its worker is replaced (default 60 s). */
  readonly timeoutMs?: number
  /** How long a worker may take to set up (default 120 s). */
  readonly setupTimeoutMs?: number
  /**
   * Sends calls of up to 256 KiB of plain data to the workers through shared memory rather than by message,
   * where both threads can share it (Node; a cross-origin-isolated page). Off by default: it measured no
   * faster than messages (see the README's batching benchmark).
   */
  readonly sharedMemory?: boolean
  /** Time and timers for the batcher; tests pass a fake one. */
  readonly clock?: Clock
  /** Where models are read from; else the store given to `init()`, else the platform's default store. */
  readonly store?: ModelStore
  /** The runtime the runner runs in; else the one given to `init()`. */
  readonly platform?: RunnerPlatform
}

export interface CallOptions {
  readonly signal?: AbortSignal
}

export type Input<F> = F extends (input: infer I) => unknown ? I : never
export type Output<F> = F extends (...args: never[]) => infer O ? Awaited<O> : never

export interface MethodHandle<F> {
  run(input: Input<F>, options?: CallOptions): Promise<Output<F>>
}

/** `waiting`: a model it needs is not in its store yet; it starts once one is (see `Runner.retry`). */
export type RunnerState = 'created' | 'starting' | 'ready' | 'waiting' | 'failed' | 'stopped'

/** What a runner holds right now, for leak checks and debugging. */
export interface RunnerStats {
  /** Executors running now, how many have been replaced since the start, and how many replacements failed to set up. */
  readonly workers: { readonly live: number; readonly restarts: number; readonly setupFailures: number }
  /** Calls sent to executors and not yet answered. */
  readonly inFlight: number
  /** Items waiting in the runner's queues. */
  readonly queued: number
  /** What each executor's thread holds open (ONNX sessions…), for those that can tell. */
  readonly threads: readonly { readonly executor: string; readonly counts: LiveCounts }[]
}

/** What starting a runner needs from outside: the runtime, the store, and the configuration for it. */
export interface RunnerInitOptions {
  /** The runtime to run in: `nodePlatform` from `tiffin-serve/node`, `browserPlatform` from `tiffin-serve/browser`. */
  readonly platform?: RunnerPlatform
  /** The store models are read from, unless the runner has its own. */
  readonly store?: ModelStore
  /** The config layer for this runner, strongest first (a service passes its config file's, then its own). */
  readonly config?: readonly RunnerConfigLayer[]
  /** What the runner logs and traces through (default: the console, no traces). */
  readonly telemetry?: Telemetry
}

/**
 * A runner's settings at the config layer (a serve config file's `runners.<name>`, or a service's
 * `config.runners.<name>`): they apply where the runner's own options and method configs leave them unset.
 */
export interface RunnerConfig {
  /** Batching settings for every method; `methods.<name>` sets them for one method, and wins. */
  readonly batching?: BatchingOptions & { readonly methods?: Readonly<Record<string, BatchingOptions>> }
  readonly workers?: number
  readonly resource?: Resource
  readonly timeoutMs?: number
  readonly setupTimeoutMs?: number
}

/** One layer of config for a runner, named for where it came from. */
export interface RunnerConfigLayer {
  readonly source: 'config file' | 'service config' | 'remote runner'
  readonly config: RunnerConfig
}

/** Where a setting a runner runs with came from. */
export type SettingSource = 'method config' | 'runner options' | RunnerConfigLayer['source'] | 'placement' | 'default'

export interface Setting<T> {
  readonly value: T
  readonly from: SettingSource
}

/** One method's batching, each setting with where it came from. */
export interface MethodSettings {
  readonly batchable: boolean
  readonly batchDim: readonly [BatchAxes, BatchAxes]
  readonly enabled: Setting<boolean>
  readonly maxBatchSize: Setting<number>
  readonly maxLatencyMs: Setting<number>
  readonly maxQueueItems: Setting<number>
}

/** What a started runner runs with, each setting with where it came from. */
export interface RunnerSettings {
  readonly workers: Setting<number>
  readonly resource: Setting<Resource>
  readonly timeoutMs: Setting<number>
  readonly setupTimeoutMs: Setting<number>
  readonly methods: Readonly<Record<string, MethodSettings>>
}
