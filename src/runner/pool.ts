import type { Executor } from './executor.js'

export interface PoolOptions {
  readonly runner: string
  readonly size: number
  /** Starts and sets up one executor; the pool calls it again to replace one that died. */
  start(index: number): Promise<Executor>
  /** Told when a worker dies, is replaced, or a replacement fails to set up: for logs and metrics. */
  onEvent?(event: PoolEvent): void
  /** Told when an executor joins the pool (at the start, or as a replacement). */
  onJoin?(): void
}

/** What befell one of the pool's own workers (`worker` is its label, `worker 0`). */
export type PoolEvent =
  | { readonly kind: 'exited'; readonly worker: string; readonly cause: Error }
  | { readonly kind: 'replaced'; readonly worker: string; readonly attempts: number }
  | { readonly kind: 'setup_failed'; readonly worker: string; readonly cause: Error; readonly attempt: number }

const RESTART_DELAYS_MS = [0, 250, 1000, 5000, 15000]

/**
 * A fixed number of executors. One that dies is replaced in the background while the others carry on;
 * the scheduler sends work only to the live ones.
 */
export class WorkerPool {
  private readonly slots: (Executor | undefined)[]
  private readonly lent: Executor[] = []
  /** `live`, kept until the pool changes: the scheduler asks for it several times a call. */
  private liveNow: readonly Executor[] | undefined
  private closed = false
  /** The wait before the next restart, cut short by `close()` so nothing keeps the process alive. */
  private pausing: { timer: ReturnType<typeof setTimeout>; resume: () => void } | undefined
  /** Why the last replacement failed to start, if it did. */
  lastFailure: Error | undefined
  /** Replacements started so far, for status and tests. */
  restarts = 0
  /** Replacements that failed to set up (each is tried again). */
  setupFailures = 0

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
    this.liveNow ??= [...this.slots.filter((s): s is Executor => s !== undefined), ...this.lent]
    return this.liveNow
  }

  /** Adds an executor from elsewhere (a page's workers, a remote replica); it leaves when it dies. */
  lend(executor: Executor): void {
    this.lent.push(executor)
    this.liveNow = undefined
    executor.onDeath(() => {
      const index = this.lent.indexOf(executor)
      if (index !== -1) this.lent.splice(index, 1)
      this.liveNow = undefined
    })
    this.options.onJoin?.()
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.pausing) {
      clearTimeout(this.pausing.timer)
      this.pausing.resume()
    }
    const live = this.live
    this.slots.fill(undefined)
    this.lent.length = 0
    this.liveNow = undefined
    await Promise.all(live.map((e) => e.close()))
  }

  private install(index: number, executor: Executor): void {
    this.slots[index] = executor
    this.liveNow = undefined
    executor.onDeath((cause) => {
      if (this.slots[index] !== executor) return
      this.slots[index] = undefined
      this.liveNow = undefined
      if (!this.closed) void this.replace(index, cause)
    })
    this.options.onJoin?.()
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resume) => {
      this.pausing = { timer: setTimeout(resume, ms), resume }
    })
  }

  private async replace(index: number, cause: Error): Promise<void> {
    const worker = `worker ${index}`
    this.options.onEvent?.({ kind: 'exited', worker, cause })
    for (let attempt = 0; !this.closed; attempt++) {
      await this.pause(RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]!)
      if (this.closed) return
      try {
        const executor = await this.options.start(index)
        if (this.closed) return void (await executor.close())
        this.restarts++
        this.install(index, executor)
        this.options.onEvent?.({ kind: 'replaced', worker, attempts: attempt + 1 })
        return
      } catch (error) {
        this.lastFailure = error as Error
        this.setupFailures++
        this.options.onEvent?.({ kind: 'setup_failed', worker, cause: error as Error, attempt: attempt + 1 })
      }
    }
  }
}
