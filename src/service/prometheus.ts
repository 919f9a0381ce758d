import type { Histogram, MethodMetrics } from '../batching/metrics.js'
import type { MetricFamily } from '../telemetry/metric-family.js'
import type { HttpMetrics } from './http-metrics.js'

type Labels = Record<string, string>

const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const labels = (l: Labels): string => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escape(v)}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

class Exposition {
  private readonly lines: string[] = []

  family(name: string, type: MetricFamily['type'] | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  }

  sample(name: string, l: Labels, value: number): void {
    this.lines.push(`${name}${labels(l)} ${Number.isFinite(value) ? value : value > 0 ? '+Inf' : '-Inf'}`)
  }

  /** A histogram; `scale` converts its unit (milliseconds to seconds). */
  histogram(name: string, l: Labels, h: Histogram, scale = 1): void {
    h.bounds.forEach((bound, i) => this.sample(`${name}_bucket`, { ...l, le: String(bound * scale) }, h.counts[i]!))
    this.sample(`${name}_bucket`, { ...l, le: '+Inf' }, h.count)
    this.sample(`${name}_sum`, l, h.sum * scale)
    this.sample(`${name}_count`, l, h.count)
  }

  toString(): string {
    return this.lines.join('\n') + '\n'
  }
}

/** What each runner runs on, and why: a gauge of 1 labelled by runner, backend and reason. */
export interface RunnerBackend {
  readonly runner: string
  readonly backend: string
  readonly reason: string
}

export const runnerBackends = (
  runners: readonly { readonly name: string; readonly backend?: { resource: string; reason: string } | undefined }[],
): RunnerBackend[] =>
  runners.flatMap((r) => (r.backend ? [{ runner: r.name, backend: r.backend.resource, reason: r.backend.reason }] : []))

/** What `/metrics` shows: HTTP requests, each runner's workers and each of its methods' batching, and the runtime's own. */
export interface Exposed {
  readonly http: HttpMetrics
  readonly methods: readonly MethodMetrics[]
  readonly runners: readonly {
    readonly name: string
    readonly workers: { readonly live: number; readonly restarts: number; readonly setupFailures: number }
  }[]
  readonly backends: readonly RunnerBackend[]
  /** Families the runtime adds (Node: the process and the build). */
  readonly extra: readonly MetricFamily[]
}

/** The Prometheus text exposition of a service, or of a runner served alone. */
export function renderPrometheus({ http, methods, runners, backends, extra }: Exposed): string {
  const out = new Exposition()
  out.family('tiffin_http_requests_total', 'counter', 'HTTP requests answered, by API and status.')
  for (const [api, e] of http.byApi)
    for (const [status, n] of e.statuses) out.sample('tiffin_http_requests_total', { api, status: String(status) }, n)
  out.family('tiffin_http_request_duration_seconds', 'histogram', 'Time to answer a request.')
  for (const [api, e] of http.byApi) out.histogram('tiffin_http_request_duration_seconds', { api }, e.durationMs, 1e-3)
  out.family('tiffin_http_requests_in_progress', 'gauge', 'Requests being handled now.')
  for (const [api, e] of http.byApi) out.sample('tiffin_http_requests_in_progress', { api }, e.inProgress)
  out.family(
    'tiffin_http_requests_refused_total',
    'counter',
    'Requests answered before their handler ran (also in tiffin_http_requests_total), by API, status and reason.',
  )
  for (const [api, e] of http.byApi)
    for (const [reason, { status, count }] of e.refused)
      out.sample('tiffin_http_requests_refused_total', { api, status: String(status), reason }, count)

  const workers: [string, 'counter' | 'gauge', string, (w: Exposed['runners'][number]['workers']) => number][] = [
    ['tiffin_runner_workers', 'gauge', 'Workers (or lent executors) running now.', (w) => w.live],
    ['tiffin_runner_worker_restarts_total', 'counter', 'Workers replaced after they died.', (w) => w.restarts],
    [
      'tiffin_runner_worker_setup_failures_total',
      'counter',
      'Replacement workers that failed to set up (each is tried again).',
      (w) => w.setupFailures,
    ],
  ]
  for (const [name, type, help, value] of workers) {
    out.family(name, type, help)
    for (const r of runners) out.sample(name, { runner: r.name }, value(r.workers))
  }

  const of = (m: MethodMetrics): Labels => ({ runner: m.runner, method: m.method })
  const counters: [string, string, (m: MethodMetrics) => number][] = [
    ['tiffin_runner_requests_total', 'Calls made to a runner method.', (m) => m.requests],
    ['tiffin_runner_items_total', 'Items (along the batch axis) sent to a runner method.', (m) => m.items],
    ['tiffin_runner_executions_total', 'Batches executed by workers.', (m) => m.executions],
    ['tiffin_runner_failures_total', 'Batches that failed in a worker.', (m) => m.failures],
    ['tiffin_runner_cancelled_total', 'Calls cancelled by their caller while queued.', (m) => m.cancelled],
  ]
  for (const [name, help, value] of counters) {
    out.family(name, 'counter', help)
    for (const m of methods) out.sample(name, of(m), value(m))
  }
  out.family('tiffin_runner_rejections_total', 'counter', 'Calls refused as overloaded, by reason.')
  for (const m of methods)
    for (const [reason, n] of Object.entries(m.rejections))
      out.sample('tiffin_runner_rejections_total', { ...of(m), reason }, n)
  out.family(
    'tiffin_runner_dispatches_total',
    'counter',
    'Batches sent, by why the batcher sent them then: full, deadline, keeps_up, every_caller_is_waiting, arrivals_paused, learning, unbatched.',
  )
  for (const m of methods)
    for (const [reason, n] of Object.entries(m.dispatchReasons))
      out.sample('tiffin_runner_dispatches_total', { ...of(m), reason: reason.replace(/ /g, '_') }, n)
  out.family('tiffin_runner_queued_items', 'gauge', 'Items waiting in the queue now.')
  for (const m of methods) out.sample('tiffin_runner_queued_items', of(m), m.queued)
  out.family('tiffin_runner_batch_size', 'histogram', 'Items per executed batch.')
  for (const m of methods) out.histogram('tiffin_runner_batch_size', of(m), m.batchSize)
  out.family('tiffin_runner_queue_seconds', 'histogram', 'Time a call waited before its batch was sent.')
  for (const m of methods) out.histogram('tiffin_runner_queue_seconds', of(m), m.queueMs, 1e-3)
  out.family('tiffin_runner_execution_seconds', 'histogram', 'Time a batch took on a worker, round trip.')
  for (const m of methods) out.histogram('tiffin_runner_execution_seconds', of(m), m.executionMs, 1e-3)
  out.family(
    'tiffin_runner_backend',
    'gauge',
    'The resource each runner runs on (1), and why: its placement, or what its check chose.',
  )
  for (const b of backends)
    out.sample('tiffin_runner_backend', { runner: b.runner, backend: b.backend, reason: b.reason }, 1)
  for (const family of extra) {
    out.family(family.name, family.type, family.help)
    for (const sample of family.samples) out.sample(family.name, sample.labels ?? {}, sample.value)
  }
  return out.toString()
}
