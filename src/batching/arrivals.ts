/**
 * Recent arrivals of items: their rate over the last second, and the typical gap between arrivals within
 * a burst (the median, so the long pauses between bursts do not count).
 */
export class Arrivals {
  private readonly times: number[] = []
  private readonly counts: number[] = []
  /** The typical gap, kept until the next arrival: the batcher asks for it on every decision. */
  private gap: number | undefined

  constructor(
    private readonly horizonMs = 1000,
    private readonly keep = 256,
  ) {}

  record(now: number, items: number): void {
    this.times.push(now)
    this.counts.push(items)
    this.gap = undefined
    if (this.times.length > this.keep) {
      this.times.shift()
      this.counts.shift()
    }
  }

  get last(): number | undefined {
    return this.times.at(-1)
  }

  /** Items per millisecond over the recent past; 0 until there are two arrivals to measure. */
  rate(now: number): number {
    const since = now - this.horizonMs
    let items = 0
    let first = now
    for (let i = this.times.length - 1; i >= 0 && this.times[i]! >= since; i--) {
      items += this.counts[i]!
      first = this.times[i]!
    }
    const span = now - first
    return span > 0 && items > 1 ? items / span : 0
  }

  /** The median gap between the last arrivals, in milliseconds. */
  typicalGap(): number {
    if (this.gap !== undefined) return this.gap
    const gaps: number[] = []
    for (let i = Math.max(1, this.times.length - 33); i < this.times.length; i++)
      gaps.push(this.times[i]! - this.times[i - 1]!)
    gaps.sort((x, y) => x - y)
    this.gap = gaps.length === 0 ? 0 : gaps[Math.floor(gaps.length / 2)]!
    return this.gap
  }
}

/**
 * How many items were outstanding (queued or running) lately, per 10 ms slice of the last second. When
 * the count now equals the most seen in an earlier slice, the same callers are all waiting again: a
 * closed loop, where nobody else is about to arrive and waiting for more items only adds latency.
 */
export class OutstandingHistory {
  private static readonly SLICE_MS = 10
  private readonly maxima: number[]
  private readonly slices: number[]
  private cached: { slice: number; peak: number } | undefined

  constructor(private readonly horizonSlices = 100) {
    this.maxima = new Array<number>(horizonSlices).fill(0)
    this.slices = new Array<number>(horizonSlices).fill(-Infinity)
  }

  record(now: number, items: number): void {
    const slice = Math.floor(now / OutstandingHistory.SLICE_MS)
    const at = slice % this.horizonSlices
    if (this.slices[at] !== slice) {
      this.slices[at] = slice
      this.maxima[at] = 0
    }
    this.maxima[at] = Math.max(this.maxima[at]!, items)
  }

  /** The most items outstanding at once in the earlier slices of the last second (0 if none). */
  earlierPeak(now: number): number {
    const slice = Math.floor(now / OutstandingHistory.SLICE_MS)
    if (this.cached?.slice === slice) return this.cached.peak
    let peak = 0
    for (let i = 0; i < this.horizonSlices; i++) {
      const s = this.slices[i]!
      if (s < slice && s > slice - this.horizonSlices) peak = Math.max(peak, this.maxima[i]!)
    }
    this.cached = { slice, peak }
    return peak
  }
}
