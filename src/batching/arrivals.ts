/**
 * Recent arrivals of items: their rate over the last second, and the typical gap between arrivals within
 * a burst (the median, so the long pauses between bursts do not count).
 */
export class Arrivals {
  private readonly times: number[] = []
  private readonly counts: number[] = []

  constructor(
    private readonly horizonMs = 1000,
    private readonly keep = 256,
  ) {}

  record(now: number, items: number): void {
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

  /** The median gap between the last arrivals, in milliseconds. */
  typicalGap(): number {
    const gaps: number[] = []
    for (let i = Math.max(1, this.times.length - 33); i < this.times.length; i++) gaps.push(this.times[i]! - this.times[i - 1]!)
    if (gaps.length === 0) return 0
    gaps.sort((x, y) => x - y)
    return gaps[Math.floor(gaps.length / 2)]!
  }
}
