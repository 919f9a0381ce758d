/** A cumulative histogram with fixed upper bounds, as Prometheus exposes them. */
export class Histogram {
  readonly counts: number[]
  sum = 0
  count = 0

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0)
  }

  observe(value: number): void {
    this.sum += value
    this.count++
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) this.counts[i]!++
  }

  /** The value below which `q` of the observations fall, read off the buckets (an upper estimate). */
  quantile(q: number): number {
    const rank = q * this.count
    for (let i = 0; i < this.bounds.length; i++) if (this.counts[i]! >= rank) return this.bounds[i]!
    return Infinity
  }
}

export const BATCH_SIZE_BOUNDS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
export const MS_BOUNDS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]

export type RejectReason = 'queue_full' | 'deadline'

/** What one runner method has done: batches, items, time spent waiting and running, refusals. */
export class MethodMetrics {
  readonly batchSize = new Histogram(BATCH_SIZE_BOUNDS)
  readonly queueMs = new Histogram(MS_BOUNDS)
  readonly executionMs = new Histogram(MS_BOUNDS)
  requests = 0
  items = 0
  executions = 0
  failures = 0
  cancelled = 0
  readonly rejections: Record<RejectReason, number> = { queue_full: 0, deadline: 0 }
  /** Items waiting now. */
  queued = 0
  /** Why batches were sent: full, deadline, keeps up, every caller is waiting, arrivals paused, learning. */
  readonly dispatchReasons: Record<string, number> = {}
  /** Times a free worker was held back to let a batch grow. */
  waits = 0

  constructor(
    readonly runner: string,
    readonly method: string,
  ) {}
}
