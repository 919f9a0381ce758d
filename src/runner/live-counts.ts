/**
 * What tiffin holds open in this thread right now: what a leak would grow. Counted per thread (as
 * `process.memoryUsage()` is per process), so a worker reports its own and a runner asks each worker.
 */
export interface LiveCounts {
  /** Workers started from this thread that have not exited. */
  readonly workers: number
  /** Comlink proxies of workers (or lent pages) not yet released. */
  readonly proxies: number
  /** Calls posted to workers and neither answered nor failed. */
  readonly calls: number
  /** ONNX Runtime sessions created in this thread and not released. */
  readonly sessions: number
}

const counts: Record<keyof LiveCounts, number> = { workers: 0, proxies: 0, calls: 0, sessions: 0 }

/** Records one of `kind` opened (+1) or closed (-1). */
export function countLive(kind: keyof LiveCounts, change: 1 | -1): void {
  counts[kind] += change
}

/** A copy of this thread's counts. */
export function liveCounts(): LiveCounts {
  return { ...counts }
}
