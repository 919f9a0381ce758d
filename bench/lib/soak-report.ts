// What bench/soak.ts prints: one soak in detail (its answers, latencies and the server's memory along
// the way), or soaks of tiffin with telemetry off and on side by side, and a JSON line of the figures.
import type { ServerStats } from './http-process.js'
import type { Memory } from './soak-process.js'
import type { SoakResult } from './soak-load.js'
import { fmt, quantile, table } from './stats.js'

export interface SoakSettings {
  /** What was soaked, how: the model, the batching settings, the rate and the length. */
  readonly title: string
  readonly seconds: number
  readonly maxInFlight: number
  readonly graceMs: number
}

const mb = (bytes: number) => bytes / 2 ** 20

/** One soak of one server: what the load saw, the server's memory along the way, and its counters. */
export interface SoakRun {
  readonly name: string
  readonly result: SoakResult
  readonly memory: readonly { at: string; m: Memory }[]
  readonly before: ServerStats
  readonly after: ServerStats
}

/** What a run comes to: errors of every kind, latencies, memory growth, the server's CPU a request. */
function summary({ result, memory, before, after }: SoakRun) {
  const [start, end] = [memory[1]!.m, memory.at(-1)!.m]
  const delta = (key: string) => (after.extra?.[key] ?? NaN) - (before.extra?.[key] ?? NaN)
  const failedByStatus = Object.values(result.byStatus).reduce((a, b) => a + b, 0)
  return {
    errors: result.wrong + failedByStatus + result.networkErrors,
    p50: quantile(result.latenciesMs, 0.5),
    p99: quantile(result.latenciesMs, 0.99),
    max: result.latenciesMs.reduce((a, b) => Math.max(a, b), 0),
    rssGrowth: mb(end.procRss - start.procRss),
    heapGrowth: mb(end.heapUsed - start.heapUsed),
    meanBatch: delta('items') / delta('batches'),
    refused: delta('rejected'),
    failures: delta('failures'),
    // Every thread of the server (workers, ONNX Runtime's), per request sent.
    cpuUsPerRequest: (after.cpuUs - before.cpuUs) / result.sent,
    mainCpuUsPerRequest: (after.mainCpuUs - before.mainCpuUs) / result.sent,
  }
}

export function report(run: SoakRun, { title, seconds, maxInFlight, graceMs }: SoakSettings): void {
  const { result, memory } = run
  const s = summary(run)
  console.log(`\nSoak: ${title}`)
  console.log(
    table(
      ['', 'value'],
      [
        ['requests due', fmt(result.sent + result.skipped, 0)],
        ['requests sent', fmt(result.sent, 0)],
        [`not sent (${maxInFlight} in flight)`, fmt(result.skipped, 0)],
        ['answered correctly', fmt(result.correct, 0)],
        ['wrong answers', fmt(result.wrong, 0)],
        ...Object.entries(result.byStatus).map(([code, n]) => [`failed: status ${code}`, fmt(n, 0)]),
        ['failed: network errors', fmt(result.networkErrors, 0)],
        [`lost (unanswered after ${graceMs / 1000} s grace)`, fmt(result.lost, 0)],
        ['most in flight', fmt(result.maxInFlightSeen, 0)],
        ['p50 latency ms', fmt(s.p50, 2)],
        ['p99 latency ms', fmt(s.p99, 2)],
        ['max latency ms', fmt(s.max, 2)],
        ['mean batch (server)', fmt(s.meanBatch, 1)],
        ['refused by the runner', fmt(s.refused, 0)],
        ['runner failures', fmt(s.failures, 0)],
      ],
    ),
  )
  console.log(
    '\n' +
      table(
        [
          'server memory',
          'RSS MB (/proc)',
          'RSS MB (node)',
          'JS heap used MB',
          'heap total MB',
          'external MB',
          'array buffers MB',
        ],
        memory.map(({ at, m }) => [
          at,
          fmt(mb(m.procRss), 1),
          fmt(mb(m.rss), 1),
          fmt(mb(m.heapUsed), 1),
          fmt(mb(m.heapTotal), 1),
          fmt(mb(m.external), 1),
          fmt(mb(m.arrayBuffers), 1),
        ]),
      ),
  )
  console.log(
    `RSS growth over the soak: ${s.rssGrowth.toFixed(1)} MB; JS heap: ${s.heapGrowth.toFixed(1)} MB (no forced GC: the heap figure includes garbage not yet collected)`,
  )
  const failedSeconds = result.failuresBySecond.map((n, second) => [second, n] as const).filter(([, n]) => n > 0)
  if (failedSeconds.length > 0)
    console.log(
      `\nfailures by second of the soak (when due): ${failedSeconds.map(([second, n]) => `${second} s: ${n}`).join(', ')}`,
    )
  if (result.examples.length > 0) console.log(`\nfirst failures:\n${result.examples.map((e) => `  ${e}`).join('\n')}`)
  console.log(
    JSON.stringify({
      bench: 'soak',
      seconds,
      requests: result.sent,
      correct: result.correct,
      errors: s.errors,
      lost: result.lost,
      p99_ms: Number(s.p99.toFixed(2)),
      rss_growth_mb: Number(s.rssGrowth.toFixed(1)),
    }),
  )
}

/** The runs side by side, in the order they ran, with the server's CPU a request against the default's. */
export function compare(runs: readonly SoakRun[], { title, seconds }: SoakSettings): void {
  const summaries = runs.map((run) => ({ run, s: summary(run) }))
  const offCpu = quantile(
    summaries.filter(({ run }) => run.name === 'tiffin').map(({ s }) => s.cpuUsPerRequest),
    0.5,
  )
  console.log(`\nSoak, telemetry off and on, each: ${title}`)
  console.log(
    table(
      [
        'server',
        'sent',
        'correct',
        'errors',
        'lost',
        'p50 ms',
        'p99 ms',
        'max ms',
        'CPU µs/req',
        'vs tiffin',
        'main µs/req',
        'RSS growth MB',
      ],
      summaries.map(({ run, s }) => [
        run.name,
        fmt(run.result.sent, 0),
        fmt(run.result.correct, 0),
        fmt(s.errors, 0),
        fmt(run.result.lost, 0),
        fmt(s.p50, 2),
        fmt(s.p99, 2),
        fmt(s.max, 1),
        fmt(s.cpuUsPerRequest, 0),
        `${fmt(s.cpuUsPerRequest / offCpu, 2)}×`,
        fmt(s.mainCpuUsPerRequest, 0),
        fmt(s.rssGrowth, 1),
      ]),
    ),
  )
  console.log(
    JSON.stringify({
      bench: 'soak-telemetry',
      seconds,
      runs: summaries.map(({ run, s }) => ({
        server: run.name,
        requests: run.result.sent,
        errors: s.errors,
        lost: run.result.lost,
        p99_ms: Number(s.p99.toFixed(2)),
        cpu_us_per_request: Math.round(s.cpuUsPerRequest),
      })),
    }),
  )
}
