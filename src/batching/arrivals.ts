/** How many gaps within bursts the typical gap is the median of. */
const GAPS_KEPT = 32

/**
 * Recent arrivals of items: their rate over the last second, and the typical gap between arrivals within
 * a burst (the median gap before an arrival that found other items outstanding: a caller that arrives to
 * an idle runner starts a burst, and the pause before it, which includes any time the batcher waited for
 * it, says nothing of how soon a burst's next item comes).
 */
export class Arrivals {
  private readonly times: number[] = []
  private readonly counts: number[] = []
  private readonly gaps: number[] = []
  /** The typical gap, kept until the next arrival: the batcher asks for it on every decision. */
  private gap: number | undefined

  constructor(
    private readonly horizonMs = 1000,
    private readonly keep = 256,
  ) {}

  /** Records an arrival of `items`; `inBurst` when other items were outstanding (queued or running) as it came. */
  record(now: number, items: number, inBurst: boolean): void {
    const last = this.times.at(-1)
    if (inBurst && last !== undefined) {
      this.gaps.push(now - last)
      if (this.gaps.length > GAPS_KEPT) this.gaps.shift()
      this.gap = undefined
    }
    this.times.push(now)
    this.counts.push(items)
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

  /** The median of the last gaps within bursts, in milliseconds; 0 before there is one. */
  typicalGap(): number {
    if (this.gap !== undefined) return this.gap
    const gaps = [...this.gaps].sort((x, y) => x - y)
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
