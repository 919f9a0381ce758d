/** What the batching policy sees when a worker is free and requests are queued. */
export interface PolicyState {
  readonly now: number
  /** Items queued that can join the head's batch, up to `maxBatchSize`. */
  readonly queuedItems: number
  readonly maxBatchSize: number
  /** When the oldest queued request must be answered. */
  readonly oldestDeadline: number
  /** When the last request arrived. */
  readonly lastArrival: number
  /** Items per millisecond arriving lately. */
  readonly arrivalRate: number
  /** The median gap between arrivals within a burst. */
  readonly typicalGapMs: number
  /** All workers of the runner, busy or not. */
  readonly workers: number
  /** Items queued or running now, and the most there were at once in the recent past (not counting now). */
  readonly outstanding: number
  readonly earlierPeak: number
  readonly model: { readonly calibrated: boolean; predict(n: number): number }
}

export type Decision =
  | { readonly action: 'dispatch'; readonly items: number; readonly why: string }
  | { readonly action: 'wait'; readonly until: number }

/** Batches smaller than this share of the capacity needed to keep up with arrivals are worth growing. */
const HEADROOM = 0.5
/** Never wait for a straggler longer than this past the last arrival, nor less (timer resolution). */
const STALL_MIN_MS = 1
const STALL_GAPS = 3

/**
 * Dispatch now or wait for more items? Dispatch when the batch is full; when waiting any longer would
 * make the oldest request miss its deadline; when a batch of this size already keeps up with the
 * arrival rate (so waiting cannot pay for itself, the case at low load); when every recent caller is
 * already waiting (nobody else is coming); or when arrivals have paused. Otherwise wait, at most until
 * the first of those moments.
 */
export function decide(s: PolicyState): Decision {
  const n = s.queuedItems
  if (n >= s.maxBatchSize) return { action: 'dispatch', items: s.maxBatchSize, why: 'full' }
  if (!s.model.calibrated) return { action: 'dispatch', items: n, why: 'learning' }
  const latestStart = s.oldestDeadline - s.model.predict(s.maxBatchSize)
  if (s.now >= latestStart) return { action: 'dispatch', items: n, why: 'deadline' }
  const capacity = (s.workers * n) / Math.max(s.model.predict(n), 1e-3)
  if (s.arrivalRate <= HEADROOM * capacity) return { action: 'dispatch', items: n, why: 'keeps up' }
  // Equal, not at least: a burst that climbs past every earlier level is still arriving.
  if (s.earlierPeak > 0 && s.outstanding === s.earlierPeak)
    return { action: 'dispatch', items: n, why: 'every caller is waiting' }
  const stall = s.lastArrival + Math.max(STALL_MIN_MS, STALL_GAPS * s.typicalGapMs)
  if (s.now >= stall) return { action: 'dispatch', items: n, why: 'arrivals paused' }
  return { action: 'wait', until: Math.min(latestStart, stall) }
}

/**
 * When a request that arrives now would finish, given the items queued ahead of it and when each
 * worker frees up: used to refuse at once a request that cannot meet its deadline.
 */
export function estimateCompletion(
  now: number,
  itemsAhead: number,
  items: number,
  maxBatchSize: number,
  workerFreeAt: readonly number[],
  predict: (n: number) => number,
): number {
  const free = [...workerFreeAt].map((t) => Math.max(t, now)).sort((x, y) => x - y)
  const batchesAhead = Math.floor(itemsAhead / maxBatchSize)
  const workers = Math.max(1, free.length)
  const start = (free[batchesAhead % workers] ?? now) + Math.floor(batchesAhead / workers) * predict(maxBatchSize)
  return start + predict(Math.min(maxBatchSize, (itemsAhead % maxBatchSize) + items))
}
