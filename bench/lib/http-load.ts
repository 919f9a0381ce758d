// Load for the HTTP benchmark: a correctness check of a server's answers, then closed-loop load from
// autocannon (each connection is one client that sends its next request when the last is answered).
import type { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { tensor, type Tensor } from '../../src/tensor/tensor.js'
import { difference } from '../../test/shared/difference.js'
import type { TestModel } from '../../test/fixtures/models.js'
import { quantile } from './stats.js'

// autocannon ships no types; this is the part of its programmatic API used here.
interface AutocannonOptions {
  readonly url: string
  readonly connections: number
  readonly duration: number
  readonly method: 'POST'
  readonly headers: Record<string, string>
  readonly body: string
  readonly warmup?: { readonly connections: number; readonly duration: number }
}
interface AutocannonResult {
  readonly duration: number
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
  readonly statusCodeStats: Record<string, { count: number }>
}
type Instance = EventEmitter & Promise<AutocannonResult>
const autocannon = createRequire(import.meta.url)('autocannon') as (options: AutocannonOptions) => Instance

export interface LoadPoint {
  /** Requests answered in the counted part, whatever their status. */
  readonly requests: number
  readonly requestsPerS: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly non2xx: number
  /** Socket errors and timeouts. */
  readonly errors: number
  readonly statusCodes: Record<string, number>
  /** The load generator's own CPU (this process), in % of one core. */
  readonly loadCpuPercent: number
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/** Rows as JSON nested arrays, as a client sends them. */
export function rowsJson(x: Tensor): string {
  const width = x.dims[1]!
  return JSON.stringify(
    Array.from({ length: x.dims[0]! }, (_, i) =>
      Array.from(x.data.subarray(i * width, (i + 1) * width) as Float32Array),
    ),
  )
}

/**
 * Sends `count` different one-row requests at once and checks every answer against the model's
 * reference; throws with the first that is wrong, so a broken server is never measured. A 503 is a
 * refusal, not a wrong answer (a fresh server on a busy machine may refuse a burst): it is sent again
 * after its Retry-After, up to 10 times.
 */
export async function verify(url: string, model: TestModel, count: number): Promise<void> {
  const post = async (body: string, tries = 10): Promise<Response> => {
    const response = await fetch(url, { method: 'POST', headers: JSON_HEADERS, body })
    if (response.status !== 503 || tries === 1) return response
    await response.body?.cancel()
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)))
    return post(body, tries - 1)
  }
  await Promise.all(
    Array.from({ length: count }, async (_, k) => {
      const x = model.sampleInputs(1, 1000 + k).x!
      const response = await post(rowsJson(x))
      const text = await response.text()
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`)
      const rows = JSON.parse(text) as number[][]
      const y = tensor('float32', [rows.length, rows[0]?.length ?? 0], Float32Array.from(rows.flat()))
      const wrong = difference({ y }, model.reference({ x }))
      if (wrong) throw new Error(`${url}: request ${k} answered wrongly: ${wrong}`)
    }),
  )
}

/**
 * `clients` connections, each posting `body` and sending again as soon as it is answered, for
 * `seconds` after `warmupSeconds` not counted. `onStart` runs when the counted part begins.
 */
export async function load(
  url: string,
  body: string,
  clients: number,
  seconds: number,
  warmupSeconds: number,
  onStart: () => void,
): Promise<LoadPoint> {
  const latenciesMs: number[] = []
  let answered = 0
  let cpuAtStart = process.cpuUsage()
  let startedAt = performance.now()
  const instance = autocannon({
    url,
    connections: clients,
    duration: seconds,
    method: 'POST',
    headers: JSON_HEADERS,
    body,
    ...(warmupSeconds > 0 && { warmup: { connections: clients, duration: warmupSeconds } }),
  })
  // The warm-up reports to a tracker of its own: these events are the counted run's only.
  instance.on('start', () => {
    cpuAtStart = process.cpuUsage()
    startedAt = performance.now()
    onStart()
  })
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
    answered++
    if (status >= 200 && status < 300) latenciesMs.push(responseTimeMs)
  })
  const result = await instance
  const cpu = process.cpuUsage(cpuAtStart)
  const wallMs = performance.now() - startedAt
  return {
    requests: answered,
    requestsPerS: answered / result.duration,
    p50Ms: quantile(latenciesMs, 0.5),
    p99Ms: quantile(latenciesMs, 0.99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    loadCpuPercent: (100 * (cpu.user + cpu.system)) / 1000 / wallMs,
  }
}
