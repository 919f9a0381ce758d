import { Histogram, MS_BOUNDS } from '../batching/metrics.js'

/** Why a request was answered before its handler ran. */
export type RefusalReason = 'max_in_flight' | 'body_too_large' | 'method_not_allowed'

interface ApiEntry {
  readonly statuses: Map<number, number>
  readonly durationMs: Histogram
  inProgress: number
  /** Requests refused before handling, by reason, with the status they got. */
  readonly refused: Map<RefusalReason, { readonly status: number; count: number }>
}

/** Requests per API: counts by status, durations, how many are in progress, and those refused before handling. */
export class HttpMetrics {
  readonly byApi = new Map<string, ApiEntry>()

  private entry(api: string): ApiEntry {
    let e = this.byApi.get(api)
    if (!e)
      this.byApi.set(
        api,
        (e = { statuses: new Map(), durationMs: new Histogram(MS_BOUNDS), inProgress: 0, refused: new Map() }),
      )
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

  /** A call refused before its handler ran: counted with its status, timed as it took, and by reason. */
  refused(api: string, status: number, reason: RefusalReason, ms: number): void {
    this.finished(api, status, ms, false)
    const refused = this.entry(api).refused
    const counted = refused.get(reason)
    if (counted) counted.count++
    else refused.set(reason, { status, count: 1 })
  }

  /** Requests in progress across every API. */
  get inProgress(): number {
    let n = 0
    for (const e of this.byApi.values()) n += e.inProgress
    return n
  }
}
