import { releaseProxy, transfer, wrap, type Remote } from 'comlink'
import { DEFAULTS } from '../defaults.js'
import { Timeout, WorkerLost } from '../errors.js'
import { PortCalls } from './call-port.js'
import type { Executor } from './executor.js'
import type { SetupReport, WorkerSpec } from './host.js'
import { countLive, type LiveCounts } from './live-counts.js'
import type { WorkerConnection } from './platform.js'
import { SharedCalls, sharedMemoryMissing } from './shared-channel.js'
import { unwrap, withTransfer, type Reply, type WorkerApi } from './worker-api.js'

/** How long a closing worker may take to release what its runnable holds before it is stopped anyway. */
const TEARDOWN_MS = 1000
/** How long a worker may take to report its counts (it answers between batches). */
const COUNTS_MS = 30_000

type Fail = (error: Error) => void

/**
 * A worker behind Comlink and its call port, made safe: neither settles a call whose worker died, so
 * every call is tracked here and rejected, naming the runner and the method, when the worker exits,
 * crashes or overruns its time (a worker that overruns is stopped, since it may be stuck).
 */
export class WorkerExecutor implements Executor {
  private readonly remote: Remote<WorkerApi>
  private readonly pending = new Map<Fail, string>()
  private readonly deathListeners: ((cause: Error) => void)[] = []
  private dead: Error | undefined
  /** Settles once a dead worker's calls are given up and what it held is released. */
  private released: Promise<void> | undefined
  readonly retryOnLoss: boolean
  // The worker runs one call at a time; a full batch sent while it runs waits in its message queue.
  readonly queuesFullBatch = true
  private readonly wantsSharedMemory: boolean
  /**
   * Where calls go once the worker has opened the call port; until then, or where it cannot (a page lending
   * its workers from an older tiffin), they go by Comlink, which carries the rest.
   */
  private readonly port: PortCalls
  private portOpen = false
  private readonly portOpened: Promise<void>
  /** Where calls that fit go when shared memory was asked for and both threads can use it. */
  private shared: SharedCalls | undefined
  /** How calls travel to this worker where shared memory was asked for, in a few words. */
  travel: string | undefined

  constructor(
    readonly label: string,
    private readonly runner: string,
    private readonly connection: WorkerConnection,
    options: { readonly retryOnLoss?: boolean; readonly sharedMemory?: boolean } = {},
  ) {
    this.retryOnLoss = options.retryOnLoss ?? false
    this.wantsSharedMemory = options.sharedMemory ?? false
    this.remote = wrap<WorkerApi>(connection.endpoint)
    countLive('proxies', 1)
    connection.onExit((cause) => this.die(cause))
    const { port1, port2 } = new MessageChannel()
    this.port = new PortCalls(port1)
    this.portOpened = unwrap(this.remote.openCallPort(transfer(port2, [port2]))).then(
      () => void (this.portOpen = true),
      () => this.port.close(),
    )
  }

  get inFlight(): number {
    return this.pending.size
  }

  async setup(spec: WorkerSpec, timeoutMs: number): Promise<SetupReport> {
    const report = await this.track('setup', () => unwrap(this.remote.setup(spec)), timeoutMs)
    await this.track('openCallPort', () => this.portOpened, timeoutMs)
    if (this.wantsSharedMemory) this.travel = await this.openSharedMemory(timeoutMs)
    return report
  }

  /** Opens the shared memory calls go through where both threads can use it. */
  private async openSharedMemory(timeoutMs: number): Promise<string> {
    const missing = this.connection.sharesMemory
      ? sharedMemoryMissing()
      : 'the platform does not share memory with its workers'
    if (missing) return `calls by message (${missing})`
    if (!this.portOpen) return 'calls by message (the worker has no call port)'
    const bytes = DEFAULTS.runner.sharedMemoryBytes
    const shared = new SharedCalls(bytes, () => this.port.collect())
    const opened = await this.track('openChannel', () => unwrap(this.remote.openChannel(shared.memory)), timeoutMs)
    if (!opened) return 'calls by message (a worker cannot wait on shared memory)'
    this.shared = shared
    return `calls through shared memory (up to ${bytes / 1024} KiB)`
  }

  call(method: string, input: unknown, options: { timeoutMs: number; transfer?: boolean }): Promise<unknown> {
    return this.track(method, () => unwrap(this.send(method, input, options.transfer ?? false)), options.timeoutMs)
  }

  private send(method: string, input: unknown, transfer: boolean): Promise<Reply<unknown>> {
    const shared = this.shared?.call(method, input)
    if (shared) return shared
    if (this.portOpen) return this.port.call(method, input, transfer)
    // Until the worker says whether it has a call port, calls wait, so that they keep their order.
    return this.portOpened.then(() =>
      this.portOpen
        ? this.port.call(method, input, transfer)
        : this.remote.call(method, transfer ? withTransfer(input) : input),
    )
  }

  counts(): Promise<LiveCounts> {
    // A worker slow to answer is busy, not stuck: the call fails, the worker carries on.
    return this.track('counts', () => unwrap(this.remote.counts()), COUNTS_MS, false)
  }

  onDeath(listener: (cause: Error) => void): void {
    if (this.dead) listener(this.dead)
    else this.deathListeners.push(listener)
  }

  async close(): Promise<void> {
    // Stopping the thread frees all it holds anyway; tearing down first lets a runnable release in order.
    if (!this.dead)
      await this.track('teardown', () => unwrap(this.remote.teardown()), TEARDOWN_MS).catch(() => undefined)
    this.die(new Error('was shut down'))
    await Promise.all([this.connection.terminate(), this.released])
  }

  private track<T>(method: string, start: () => Promise<T>, timeoutMs: number, stopOnTimeout = true): Promise<T> {
    if (this.dead) return Promise.reject(this.lost(method, this.dead))
    return new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer)
        if (this.pending.delete(fail)) countLive('calls', -1)
      }
      const fail: Fail = (error) => {
        settle()
        reject(error)
      }
      const timer = setTimeout(() => {
        const replaced = stopOnTimeout ? '; the worker is being replaced' : ''
        fail(
          new Timeout(
            `Runner "${this.runner}": "${method}" did not finish within ${timeoutMs} ms on ${this.label}${replaced}`,
          ),
        )
        if (stopOnTimeout) this.die(new Error(`was stopped after "${method}" overran ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(fail, method)
      countLive('calls', 1)
      start().then(
        (value) => {
          settle()
          resolve(value)
        },
        (error: unknown) => fail(error as Error),
      )
    })
  }

  private lost(method: string, cause: Error): WorkerLost {
    return new WorkerLost(`Runner "${this.runner}": ${this.label} ${cause.message} while running "${method}"`, {
      cause,
    })
  }

  private die(cause: Error): void {
    if (this.dead) return
    this.dead = cause
    // A worker may answer a call and die on the next before this thread has read the answer: answers that
    // wait on the port are read first, and calls are given up a turn later, once those answers have settled
    // theirs, so that the runner knows which call the worker died on (and runs the others again).
    if (this.connection.receiveNow) this.port.drain(this.connection.receiveNow)
    // A worker marked dead (an error event, an unreadable message) may still be running: stop it.
    void this.connection.terminate()
    for (const listener of this.deathListeners.splice(0)) listener(cause)
    this.released = new Promise((resolve) =>
      setTimeout(() => {
        for (const [fail, method] of this.pending) fail(this.lost(method, cause))
        this.shared?.close()
        this.port.close()
        this.remote[releaseProxy]()
        countLive('proxies', -1)
        resolve()
      }),
    )
  }
}
