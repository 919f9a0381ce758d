import { systemClock } from '../batching/clock.js'
import {
  resolveBatchingLayers,
  type BatchingConfig,
  type BatchingOptions,
  type MethodConfig,
  type ResolvedBatching,
} from '../batching/config.js'
import type { MethodMetrics } from '../batching/metrics.js'
import { Scheduler } from '../batching/scheduler.js'
import { DEFAULTS } from '../defaults.js'
import { NotStarted, Unsupported, withContext, WorkerLost } from '../errors.js'
import type { ModelInfo } from '../store/manifest.js'
import type { ModelStore } from '../store/model-store.js'
import { consoleLogger, type Logger } from '../telemetry/logger.js'
import { rateLimited } from '../telemetry/rate-limited.js'
import type { Telemetry } from '../telemetry/telemetry.js'
import type { Executor } from './executor.js'
import { createWorkerHost, type SetupReport, type WorkerSpec } from './host.js'
import { LocalExecutor } from './local-executor.js'
import { placeRunner, type Placement } from './placement.js'
import type { RunnerPlatform } from './platform.js'
import { WorkerPool, type PoolEvent } from './pool.js'
import { MissingModel, resolveModels, workerSpec } from './preparation.js'
import type { MethodMap, Resource, Runnable } from './runnable.js'
import type {
  CallOptions,
  Input,
  MethodHandle,
  MethodSettings,
  Output,
  RunnerConfigLayer,
  RunnerInitOptions,
  RunnerOptions,
  RunnerSettings,
  RunnerState,
  RunnerStats,
  SettingSource,
} from './runner-options.js'
import { batchingLayers, runnerWideSettings } from './settings.js'
import { WorkerExecutor } from './worker-executor.js'

export type {
  CallOptions,
  MethodHandle,
  MethodSettings,
  RunnerConfig,
  RunnerConfigLayer,
  RunnerInitOptions,
  RunnerOptions,
  RunnerSettings,
  RunnerState,
  RunnerStats,
  Setting,
  SettingSource,
} from './runner-options.js'

/**
 * A named pool of workers for one runnable. `init()` starts the workers, `initLocal()` runs the runnable
 * in the calling thread instead, and `shutdown()` stops them. A runner with one method is called with
 * `run(input)`; every method is also `runner.methods.<name>.run(input)`.
 */
export class Runner<Params = unknown, Methods extends MethodMap = MethodMap> {
  readonly name: string
  readonly methods: { readonly [K in keyof Methods]: MethodHandle<Methods[K]> }
  state: RunnerState = 'created'
  /** Where the runner runs and why, once started. */
  placement: Placement | undefined
  /** Lines the workers reported during setup (the backend chosen, fallbacks). */
  notes: string[] = []
  /** Once started: what the runner runs with, each setting with where it came from. */
  settings: RunnerSettings | undefined
  /** What a runnable's own check chose over the placement (the ONNX runnable on WebGPU), if it did. */
  private chosen: SetupReport['chosen']
  /** The model a `waiting` runner needs. */
  waitingFor: string | undefined
  /** The last way the runner was started, to start it again (`retry`), and when. */
  private again: (() => Promise<void>) | undefined
  private attemptedAt = -Infinity
  private pool: WorkerPool | undefined
  private scheduler: Scheduler | undefined
  private starting: Promise<void> | undefined
  private failure: Error | undefined
  /** What it logs and traces through, as the last start was given. */
  private telemetry: Telemetry | undefined

  constructor(
    readonly runnable: Runnable<Params, Methods>,
    readonly options: RunnerOptions<Params, Methods> = {},
  ) {
    this.name = options.name ?? runnable.name
    const handles: Record<string, MethodHandle<Methods[keyof Methods]>> = {}
    for (const method of Object.keys(runnable.methods)) {
      handles[method] = { run: (input, callOptions) => this.call(method, input, callOptions) as never }
    }
    for (const method of Object.keys(options.methodConfigs ?? {})) {
      if (!(method in runnable.methods))
        throw new TypeError(
          `Runner "${this.name}": methodConfigs names "${method}", which ${runnable.name} does not have`,
        )
    }
    this.methods = handles as Runner<Params, Methods>['methods']
  }

  /**
   * One method's batching settings: the runner's `methodConfigs`, then what the models' signatures say,
   * then the runnable's declaration, for the method itself; then the runner's options, the config layers
   * (strongest first; each one's `methods.<name>` before its runner-wide settings), and the defaults.
   */
  batchingConfig(
    method: keyof Methods & string,
    config: readonly RunnerConfigLayer[] = [],
    models: readonly ModelInfo[] = [],
  ): BatchingConfig {
    return this.resolveMethod(method, config, models).config
  }

  private resolveMethod(
    method: string,
    config: readonly RunnerConfigLayer[],
    models: readonly ModelInfo[],
  ): ResolvedBatching<SettingSource> {
    const fromModels = this.runnable.methodsFromModels?.(models)?.[method]
    const own: MethodConfig & BatchingOptions = {
      ...this.runnable.methods[method],
      ...fromModels,
      ...this.options.methodConfigs?.[method],
    }
    return resolveBatchingLayers(this.name, method, own, batchingLayers(this.options, config, method))
  }

  /** Batching and timing figures per method, since the runner started. */
  metrics(): MethodMetrics[] {
    return [...(this.scheduler?.methods.values() ?? [])].map((m) => m.metrics)
  }

  /** Calls the runner's only method. */
  run<K extends keyof Methods>(input: Input<Methods[K]>, options?: CallOptions): Promise<Output<Methods[K]>> {
    const names = Object.keys(this.runnable.methods)
    if (names.length !== 1)
      throw new TypeError(`Runner "${this.name}" has methods ${names.join(', ')}: call runner.methods.<name>.run()`)
    return this.call(names[0]!, input, options) as Promise<Output<Methods[K]>>
  }

  /**
   * Starts the workers; resolves once every one has set up, rejects with the first setup failure. A runnable
   * that checks its resource and chooses another (the ONNX runnable leaving WebGPU for WASM) has its workers
   * placed again for the one it chose.
   */
  init(options: RunnerInitOptions = {}): Promise<void> {
    return this.begin(async () => {
      const { platform, store, models, configs, scheduler, placement, settings } = await this.prepare(options)
      const { spawnWorker } = platform
      if (!spawnWorker)
        throw new Unsupported(
          `Runner "${this.name}" cannot start workers in ${platform.name}: start it with initLocal(), or lend it workers`,
        )
      const storeRef = store && platform.storeRef(store)
      const params = this.options.runnableInitParams
      const setupTimeoutMs = settings.setupTimeoutMs.value
      // A resource pinned by the options or a config is settled; otherwise the first workers may check theirs.
      const pinned = settings.resource.from !== 'placement'
      let spec = workerSpec(this.name, this.runnable as Runnable, params, placement, models, storeRef, configs, pinned)
      let chosen: SetupReport['chosen']
      let travel: string | undefined
      const start = async (index: number): Promise<Executor> => {
        const connection = spawnWorker(`${this.name}-${index}`)
        const executor = new WorkerExecutor(`worker ${index}`, this.name, connection, {
          sharedMemory: this.options.sharedMemory === true,
        })
        try {
          const report = await executor.setup(spec, setupTimeoutMs)
          this.collect(report)
          chosen ??= report.chosen
          travel ??= executor.travel
          return executor
        } catch (error) {
          await executor.close()
          throw error
        }
      }
      let pool = await this.openPool(scheduler, placement.workers, start)
      let placed = placement
      if (chosen && chosen.resource !== placement.resource) {
        await pool.close()
        const workers = settings.workers.from === 'placement' ? undefined : settings.workers.value
        const again = await placeRunner(this.name, this.runnable as Runnable, platform, {
          resource: chosen.resource,
          workers,
        })
        placed = {
          ...again,
          reason: `${again.reason}; ${chosen.resource} chosen over ${placement.resource}: ${chosen.reason}`,
        }
        spec = workerSpec(this.name, this.runnable as Runnable, params, placed, models, storeRef, configs, true)
        pool = await this.openPool(scheduler, placed.workers, start)
      }
      // Replacements for workers that die later run on what was settled, without checking again.
      spec = { ...spec, resourceConfirmed: true }
      this.chosen = chosen
      const resource = chosen ? { value: chosen.resource, from: 'placement' as const } : settings.resource
      if (travel) placed = { ...placed, reason: `${placed.reason}; ${travel}` }
      await this.install(pool, scheduler, placed, { ...settings, resource })
    })
  }

  /** Runs the runnable in the calling thread instead of workers: for debugging and tests. */
  initLocal(options: RunnerInitOptions = {}): Promise<void> {
    return this.begin(async () => {
      const { prepared, spec } = await this.prepareLocal(options)
      const { platform, store, scheduler, placement, settings } = prepared
      const here = { ...placement, workers: 1, reason: `in the calling thread (${platform.name}), no workers` }
      await this.startPool(scheduler, here, settings, 1, () => this.openLocal(platform, store, spec))
    })
  }

  /**
   * Adds an executor in the calling thread to a runner started with `initDelegated`: a Service Worker's own
   * copy, for when no page lends it workers. It loads the runner's models here, and stays until shutdown.
   */
  async addLocal(options: RunnerInitOptions = {}): Promise<void> {
    if (!this.pool) throw new TypeError(`Runner "${this.name}" is ${this.state}: start it before adding to it`)
    const { prepared, spec } = await this.prepareLocal(options)
    this.pool?.lend(await this.openLocal(prepared.platform, prepared.store, spec))
  }

  /** What running in the calling thread needs: one executor's placement, and its spec (no store to open: it is here). */
  private async prepareLocal(options: RunnerInitOptions) {
    const prepared = await this.prepare(options, 1)
    const { models, configs, placement, settings } = prepared
    const pinned = settings.resource.from !== 'placement'
    const params = this.options.runnableInitParams
    const spec = workerSpec(this.name, this.runnable as Runnable, params, placement, models, undefined, configs, pinned)
    return { prepared, spec }
  }

  private async openLocal(
    platform: RunnerPlatform,
    store: ModelStore | undefined,
    spec: WorkerSpec,
  ): Promise<LocalExecutor> {
    const executor = new LocalExecutor(
      createWorkerHost(platform.services, { runnable: this.runnable as Runnable, store }),
    )
    try {
      const report = await executor.setup(spec)
      this.collect(report)
      // The calling thread is one thread whatever was chosen: nothing to place again.
      this.chosen = report.chosen
      return executor
    } catch (error) {
      await executor.close().catch(() => undefined) // releases what the setup opened before it failed
      throw error
    }
  }

  /**
   * Starts the runner with no workers of its own: executors lent to it (a page's worker pool, for a
   * Service Worker that cannot start workers) run its calls, which wait for one to join. With `ownModels`
   * it resolves its models as `init` does (and waits for one not saved yet), to run them itself with `addLocal`.
   */
  initDelegated(options: RunnerInitOptions = {}, { ownModels = false } = {}): Promise<void> {
    return this.begin(async () => {
      // Its models are the lenders' unless it may run them itself later (`addLocal`): then it waits for them.
      const { scheduler, placement, settings } = await this.prepare(options, 1, !ownModels)
      const reason = 'delegated: runs on executors lent to it'
      await this.startPool(scheduler, { ...placement, reason }, settings, 0, () => Promise.reject(new Error('unused')))
    })
  }

  /**
   * Every way of starting goes through here: `starting` is set at once (a second start is refused,
   * not run twice) and a start that fails leaves the runner `failed`, with the reason kept.
   */
  private begin(work: () => Promise<void>): Promise<void> {
    if (this.state === 'starting' || this.state === 'ready')
      return Promise.reject(new TypeError(`Runner "${this.name}" is already ${this.state}`))
    this.state = 'starting'
    this.notes = []
    this.again = work
    this.attemptedAt = performance.now()
    this.starting = work().then(
      () => {
        this.waitingFor = undefined
        this.failure = undefined
      },
      (error: unknown) => {
        if (this.state === 'starting') {
          // A model not saved yet is worth waiting for; anything else is a failure until retried.
          this.waitingFor = error instanceof MissingModel ? error.tag : undefined
          this.state = this.waitingFor ? 'waiting' : 'failed'
          this.failure = error as Error
        }
        throw error
      },
    )
    return this.starting
  }

  /**
   * Starts again, the way it was started last, a runner that waits for a model or failed to start (a model
   * saved since, a quota cleared, a page that lends workers now). Resolves once it is up; rejects with why not.
   */
  retry(): Promise<void> {
    if (this.state !== 'waiting' && this.state !== 'failed') return this.starting ?? Promise.resolve()
    if (!this.again) return Promise.reject(new TypeError(`Runner "${this.name}" was never started: call init() first`))
    return this.begin(this.again)
  }

  /**
   * A retry for a call to a runner that is not up: one waiting for a model looks again at every call (a
   * store lookup; calls made at once share one look); one that failed tries at most every few seconds.
   */
  private retrySoon(): Promise<void> | undefined {
    if (this.state === 'failed' && performance.now() - this.attemptedAt < DEFAULTS.runner.failedRetryMs)
      return undefined
    return this.retry()
  }

  /** What every way of starting needs: the runtime, the models at exact versions, the queues, the placement. */
  private async prepare(options: RunnerInitOptions, workers?: number, delegated = false) {
    this.telemetry = options.telemetry
    const { platform, store } = this.environment(options)
    // A delegated runner's models live with whoever runs it; here they only refine its method configs.
    const models = await resolveModels(this.name, this.options.models ?? [], store).catch((error: unknown) =>
      delegated ? [] : Promise.reject(error),
    )
    const layers = options.config ?? []
    const configs: Record<string, BatchingConfig> = {}
    const methods: Record<string, MethodSettings> = {}
    for (const method of Object.keys(this.runnable.methods)) {
      const { config, from } = this.resolveMethod(method, layers, models)
      configs[method] = config
      const { batchable, inputAxis, outputAxis } = config
      const setting = <K extends keyof typeof from>(key: K) => ({ value: config[key], from: from[key] })
      methods[method] = {
        batchable,
        batchDim: [inputAxis, outputAxis],
        enabled: setting('enabled'),
        maxBatchSize: setting('maxBatchSize'),
        maxLatencyMs: setting('maxLatencyMs'),
        maxQueueItems: setting('maxQueueItems'),
      }
    }
    const wide = runnerWideSettings(this.options, layers)
    const scheduler = this.createScheduler(configs, wide.timeoutMs.value, wide.setupTimeoutMs.value)
    const placement = await placeRunner(this.name, this.runnable as Runnable, platform, {
      resource: wide.resource?.value,
      workers: workers ?? wide.workers?.value,
    })
    const settings: RunnerSettings = {
      workers: workers === undefined && wide.workers ? wide.workers : { value: placement.workers, from: 'placement' },
      resource: wide.resource ?? { value: placement.resource, from: 'placement' },
      timeoutMs: wide.timeoutMs,
      setupTimeoutMs: wide.setupTimeoutMs,
      methods,
    }
    return { platform, store, models, configs, scheduler, placement, settings }
  }

  /** Adds an executor from elsewhere to a started runner; it leaves when it dies. */
  lend(executor: Executor): void {
    if (!this.pool) throw new TypeError(`Runner "${this.name}" is ${this.state}: start it before lending it executors`)
    this.pool.lend(executor)
  }

  async shutdown(): Promise<void> {
    const starting = this.starting
    this.state = 'stopped'
    await starting?.catch(() => undefined) // a start in progress finishes first, then is undone here
    const pool = this.pool
    this.pool = undefined
    this.state = 'stopped'
    this.scheduler?.close(new WorkerLost(`Runner "${this.name}" was shut down`))
    await pool?.close()
  }

  /** The resource the runner runs on, once started, and why: its placement, or what its runnable's check chose. */
  get backend(): { readonly resource: Resource; readonly reason: string } | undefined {
    if (!this.placement) return undefined
    return this.chosen ?? { resource: this.placement.resource, reason: this.placement.reason }
  }

  /** Workers running now, how many have been replaced since the start, and how many replacements failed to set up. */
  get workers(): { live: number; restarts: number; setupFailures: number } {
    return {
      live: this.pool?.live.length ?? 0,
      restarts: this.pool?.restarts ?? 0,
      setupFailures: this.pool?.setupFailures ?? 0,
    }
  }

  /** Executors, calls in flight and queued, and what each executor's thread holds open (asked of each). */
  async stats(): Promise<RunnerStats> {
    const live = this.pool?.live ?? []
    const now = {
      workers: this.workers,
      inFlight: live.reduce((n, e) => n + e.inFlight, 0),
      queued: this.metrics().reduce((n, m) => n + m.queued, 0),
    }
    const threads = await Promise.all(
      live.filter((e) => e.counts).map(async (e) => ({ executor: e.label, counts: await e.counts!() })),
    )
    return { ...now, threads }
  }

  private async call(method: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
    options.signal?.throwIfAborted()
    if (!this.pool || !this.scheduler) {
      // A runner that waits or failed tries again: a call made just after its model was saved is answered.
      if (this.state === 'waiting' || this.state === 'failed' || this.state === 'starting') {
        await (this.state === 'starting' ? this.starting : this.retrySoon())?.catch(() => undefined)
      }
      if (!this.pool || !this.scheduler) throw this.notUp(method)
    }
    const tracing = this.telemetry?.tracing
    const trace = tracing?.call(`${this.name}.${method}`, options.signal, {
      'tiffin.runner': this.name,
      'tiffin.method': method,
      'tiffin.backend': this.backend?.resource,
    })
    return this.scheduler.submit(method, input, options.signal, trace)
  }

  private get logger(): Logger {
    return this.telemetry?.logger ?? consoleLogger
  }

  /** One line for each worker that dies, is replaced, or whose replacement fails to set up. */
  private logWorker(event: PoolEvent): void {
    const runner = this.name
    const { worker } = event
    if (event.kind === 'exited')
      this.logger.log({
        level: 'warn',
        event: 'worker.exited',
        message: `Runner "${runner}": ${worker} ${event.cause.message}; starting a new one`,
        fields: { runner, worker, cause: event.cause.message },
      })
    else if (event.kind === 'replaced')
      this.logger.log({
        level: 'info',
        event: 'worker.replaced',
        message: `Runner "${runner}": ${worker} was replaced and is running`,
        fields: { runner, worker, attempts: event.attempts },
      })
    else
      this.logger.log({
        level: 'error',
        event: 'worker.setup_failed',
        message: `Runner "${runner}": a new ${worker} failed to set up (${event.cause.message}); trying again`,
        fields: { runner, worker, cause: event.cause.message, attempt: event.attempt },
      })
  }

  private notUp(method: string): NotStarted {
    if (this.state === 'waiting')
      return new NotStarted(
        `Runner "${this.name}" is waiting for model "${this.waitingFor}", which its store does not hold yet; it starts once the model is saved (it cannot run "${method}" until then)`,
      )
    if (this.state === 'failed') return new NotStarted(`${this.failure?.message}; it cannot run "${method}"`)
    return new NotStarted(`Runner "${this.name}" cannot run "${method}": it is ${this.state}; call init() first`)
  }

  private createScheduler(
    methods: Readonly<Record<string, BatchingConfig>>,
    timeoutMs: number,
    strandedMs: number,
  ): Scheduler {
    const refused = rateLimited(this.logger, DEFAULTS.logging.refusalIntervalMs)
    return new Scheduler({
      runner: this.name,
      onRefused: (method, reason, error) =>
        refused(`${method} ${reason}`, () => ({
          level: 'warn',
          event: 'runner.overloaded',
          message: `Runner "${this.name}" refused calls to "${method}" as overloaded: ${error.message}`,
          fields: { runner: this.name, method, reason },
        })),
      methods,
      live: () => this.pool?.live ?? [],
      timeoutMs,
      strandedMs,
      whyNoWorker: () => this.pool?.lastFailure?.message,
      clock: this.options.clock ?? systemClock,
    })
  }

  private environment(options: RunnerInitOptions): { platform: RunnerPlatform; store: ModelStore | undefined } {
    const platform = this.options.platform ?? options.platform
    if (!platform)
      throw new TypeError(
        `Runner "${this.name}" needs a platform: init({ platform: nodePlatform }) from "tiffin-serve/node", or browserPlatform from "tiffin-serve/browser"`,
      )
    const needsStore = (this.options.models ?? []).some((m) => typeof m === 'string')
    const store = this.options.store ?? options.store ?? (needsStore ? platform.defaultStore() : undefined)
    return { platform, store }
  }

  private async startPool(
    scheduler: Scheduler,
    placement: Placement,
    settings: RunnerSettings,
    size: number,
    start: (index: number) => Promise<Executor>,
  ): Promise<void> {
    await this.install(
      await this.openPool(scheduler, size, start),
      scheduler,
      { ...placement, workers: size },
      settings,
    )
  }

  private async openPool(
    scheduler: Scheduler,
    size: number,
    start: (index: number) => Promise<Executor>,
  ): Promise<WorkerPool> {
    const pool = new WorkerPool({
      runner: this.name,
      size,
      start,
      onJoin: () => scheduler.pump(),
      onEvent: (event) => this.logWorker(event),
    })
    try {
      await pool.start()
    } catch (error) {
      throw withContext(error, `Runner "${this.name}" failed to start`)
    }
    return pool
  }

  private async install(
    pool: WorkerPool,
    scheduler: Scheduler,
    placement: Placement,
    settings: RunnerSettings,
  ): Promise<void> {
    if (this.state === 'stopped') return pool.close() // shut down while it was starting
    this.placement = placement
    this.settings =
      placement.workers === settings.workers.value
        ? settings
        : { ...settings, workers: { value: placement.workers, from: 'placement' } }
    this.pool = pool
    this.scheduler = scheduler
    this.state = 'ready'
  }

  private collect(report: { notes: string[] }): void {
    for (const note of report.notes) if (!this.notes.includes(note)) this.notes.push(note)
  }
}
