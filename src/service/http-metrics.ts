import { Histogram, MS_BOUNDS } from '../batching/metrics.js'

/** Requests per API: counts by status, durations, and how many are in progress. */
export class HttpMetrics {
  readonly byApi = new Map<string, { statuses: Map<number, number>; durationMs: Histogram; inProgress: number }>()

  private entry(api: string) {
    let e = this.byApi.get(api)
    if (!e) this.byApi.set(api, (e = { statuses: new Map(), durationMs: new Histogram(MS_BOUNDS), inProgress: 0 }))
    return e
  }

  started(api: string): void {
    this.entry(api).inProgress++
  }

  /** A call answered; `started` is false for one refused before it was counted as in progress. */
  finished(api: string, status: number, ms: number, started = true): void {
    const e = this.entry(api)
    if (started) e.inProgress--
    e.statuses.set(status, (e.statuses.get(status) ?? 0) + 1)
    e.durationMs.observe(ms)
  }

  /** Requests in progress across every API. */
  get inProgress(): number {
    let n = 0
    for (const e of this.byApi.values()) n += e.inProgress
    return n
  }
}
