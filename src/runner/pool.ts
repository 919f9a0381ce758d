import { WorkerLost } from '../errors.js'
import type { Executor } from './executor.js'

export interface PoolOptions {
  readonly runner: string
  readonly size: number
  /** Starts and sets up one executor; the pool calls it again to replace one that died. */
  start(index: number): Promise<Executor>
  /** How long a call may wait for a worker when none is running (all being replaced). */
  readonly waitMs: number
  /** Told about replacements and failures, for logs and status. */
  onEvent?(event: string): void
}

const RESTART_DELAYS_MS = [0, 250, 1000, 5000, 15000]

/**
 * A fixed number of executors. Calls go to the least-loaded live one; an executor that dies is replaced
 * in the background while the others carry on, and callers who find none alive wait for a replacement.
 */
export class WorkerPool {
  private readonly slots: (Executor | undefined)[]
  private readonly waiters = new Set<() => void>()
  private closed = false
  private lastFailure: Error | undefined
  /** Replacements started so far, for status and tests. */
  restarts = 0

  constructor(private readonly options: PoolOptions) {
    this.slots = new Array<Executor | undefined>(options.size).fill(undefined)
  }

  /** Starts every executor; if any fails to set up, stops the others and rejects with that failure. */
  async start(): Promise<void> {
    const started = await Promise.allSettled(this.slots.map((_, i) => this.options.start(i)))
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)))
      throw failed.reason
    }
    started.forEach((s, i) => this.install(i, (s as PromiseFulfilledResult<Executor>).value))
  }

  get live(): readonly Executor[] {
    return this.slots.filter((s): s is Executor => s !== undefined)
  }

  /** The live executor with the fewest calls in flight, or `undefined` when none is running. */
  leastLoaded(): Executor | undefined {
    let best: Executor | undefined
    for (const e of this.live) if (!best || e.inFlight < best.inFlight) best = e
    return best
  }

  /** Resolves with a live executor, waiting up to `waitMs` while replacements start. */
  async acquire(): Promise<Executor> {
    const ready = this.leastLoaded()
    if (ready) return ready
    if (this.closed) throw new WorkerLost(`Runner "${this.options.runner}" is shut down`)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake)
        const why = this.lastFailure ? `: ${this.lastFailure.message}` : ''
        reject(new WorkerLost(`Runner "${this.options.runner}" has no running worker after ${this.options.waitMs} ms${why}`))
      }, this.options.waitMs)
      const wake = (): void => {
        clearTimeout(timer)
        this.waiters.delete(wake)
        resolve()
      }
      this.waiters.add(wake)
    })
    return this.acquire()
  }

  async close(): Promise<void> {
    this.closed = true
    const live = this.live
    this.slots.fill(undefined)
    for (const wake of [...this.waiters]) wake()
    await Promise.all(live.map((e) => e.close()))
  }

  private install(index: number, executor: Executor): void {
    this.slots[index] = executor
    executor.onDeath((cause) => {
      if (this.slots[index] !== executor) return
      this.slots[index] = undefined
      if (!this.closed) void this.replace(index, cause)
    })
    for (const wake of [...this.waiters]) wake()
  }

  private async replace(index: number, cause: Error): Promise<void> {
    this.options.onEvent?.(`worker ${index} ${cause.message}; starting a new one`)
    for (let attempt = 0; !this.closed; attempt++) {
      await new Promise((r) => setTimeout(r, RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]))
      if (this.closed) return
      try {
        const executor = await this.options.start(index)
        if (this.closed) return void (await executor.close())
        this.restarts++
        this.install(index, executor)
        return
      } catch (error) {
        this.lastFailure = error as Error
        this.options.onEvent?.(`worker ${index} failed to start again: ${(error as Error).message}`)
      }
    }
  }
}
