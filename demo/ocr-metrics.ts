// The OCR page's dashboard data: the runners' histograms from a service's /metrics (Prometheus text),
// and what changed between two readings.

/** Sums and counts of the three runner histograms, per runner (all methods added up). */
export interface RunnerTotals {
  readonly batchSize: { sum: number; count: number }
  readonly queueSeconds: { sum: number; count: number }
  readonly executionSeconds: { sum: number; count: number }
}
export type Totals = Record<string, RunnerTotals>

const HISTOGRAMS = {
  batch_size: 'batchSize',
  queue_seconds: 'queueSeconds',
  execution_seconds: 'executionSeconds',
} as const
const SAMPLE = /^tiffin_runner_(batch_size|queue_seconds|execution_seconds)_(sum|count)\{([^}]*)\} (\S+)$/gm

export function parseTotals(text: string): Totals {
  const totals: Record<string, { -readonly [K in keyof RunnerTotals]: { sum: number; count: number } }> = {}
  for (const [, histogram, part, labels, value] of text.matchAll(SAMPLE)) {
    const runner = /runner="([^"]*)"/.exec(labels!)?.[1]
    if (!runner) continue
    const entry = (totals[runner] ??= {
      batchSize: { sum: 0, count: 0 },
      queueSeconds: { sum: 0, count: 0 },
      executionSeconds: { sum: 0, count: 0 },
    })
    entry[HISTOGRAMS[histogram as keyof typeof HISTOGRAMS]][part as 'sum' | 'count'] += Number(value)
  }
  return totals
}

/** One runner between two readings; NaN where it ran nothing in between. */
export interface RunnerRates {
  /** Items per executed batch. */
  readonly batchSize: number
  readonly queueMs: number
  readonly executionMs: number
  /** Items per second. */
  readonly itemsPerSecond: number
}

export function rates(before: Totals, after: Totals, seconds: number): Record<string, RunnerRates> {
  const out: Record<string, RunnerRates> = {}
  for (const [runner, now] of Object.entries(after)) {
    const then = before[runner]
    const delta = (key: keyof RunnerTotals) => ({
      sum: now[key].sum - (then?.[key].sum ?? 0),
      count: now[key].count - (then?.[key].count ?? 0),
    })
    const mean = (key: keyof RunnerTotals, scale = 1) => {
      const d = delta(key)
      return d.count > 0 ? (d.sum / d.count) * scale : NaN
    }
    out[runner] = {
      batchSize: mean('batchSize'),
      queueMs: mean('queueSeconds', 1000),
      executionMs: mean('executionSeconds', 1000),
      itemsPerSecond: delta('batchSize').sum / seconds,
    }
  }
  return out
}
