// Open-loop load for the soak test: requests go out at a fixed rate, whether or not earlier ones were
// answered (so a server that falls behind shows as growing latency, errors or lost requests, not as a
// politely slower client). Each request's latency counts from when it was due to be sent, so time spent
// queued on this side (a socket pool, the in-flight bound) is counted too. Every answer is checked
// against the expected answer for the exact row that request carried.
import http from 'node:http'
import { tensor, type Tensor } from '../../src/tensor/tensor.js'
import { difference } from '../../test/shared/difference.js'

export interface SoakRow {
  /** The request body: one row as JSON. */
  readonly body: string
  /** The model's reference answer for that row: float32 [1, out]. */
  readonly expected: Tensor
}

export interface SoakOptions {
  readonly url: string
  /** Requests per second. */
  readonly rate: number
  readonly seconds: number
  /** At most this many requests in flight; one due while there are this many is not sent (counted as skipped). */
  readonly maxInFlight: number
  /** After the last request is due, how long answers are still awaited before the rest count as lost. */
  readonly graceMs: number
  /** Request bodies, used in turn: with more rows than `maxInFlight`, no two requests in flight carry the same row. */
  readonly rows: readonly SoakRow[]
  /** At most this many sockets to the server (requests beyond wait on this side, latency counted). */
  readonly maxSockets: number
  /** Called every second of the run with the counts so far. */
  readonly onSecond?: (progress: SoakResult, second: number) => void
}

export interface SoakResult {
  /** Requests handed to the HTTP client. */
  sent: number
  /** Due while `maxInFlight` were in flight, so never sent. */
  skipped: number
  /** Answered 200 with the reference's answer for that request's row. */
  correct: number
  /** Answered 200 with something else (another row's answer, bad JSON, wrong shape). */
  wrong: number
  /** Answered with a status other than 200, per status code. */
  byStatus: Record<string, number>
  /** Socket errors (connection refused or reset, ...) before the end of the grace period. */
  networkErrors: number
  /** Sent and neither answered nor failed by the end of the grace period. */
  lost: number
  /** Latencies of the correct answers, from when each was due, in ms. */
  latenciesMs: number[]
  /** The first few wrong answers and network errors, for the report. */
  examples: string[]
  inFlight: number
  maxInFlightSeen: number
  /** When the last answer arrived, ms after the start. */
  lastAnswerMs: number
  /** Per second of the run (by when each request was due): requests not answered correctly. */
  failuresBySecond: number[]
}

export async function soak(options: SoakOptions): Promise<SoakResult> {
  const { url, rate, seconds, maxInFlight, graceMs, rows } = options
  const target = new URL(url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets })
  const result: SoakResult = {
    sent: 0,
    skipped: 0,
    correct: 0,
    wrong: 0,
    byStatus: {},
    networkErrors: 0,
    lost: 0,
    latenciesMs: [],
    examples: [],
    inFlight: 0,
    maxInFlightSeen: 0,
    lastAnswerMs: 0,
    failuresBySecond: Array<number>(Math.ceil(seconds)).fill(0),
  }
  const example = (line: string) => {
    if (result.examples.length < 10) result.examples.push(line)
  }
  const total = Math.round(rate * seconds)
  const start = performance.now()
  let over = false // set at the end of the grace period: whatever happens after is not counted
  let due = 0 // requests due so far (sent or skipped)
  let allSettled: () => void = () => {}
  const settled = new Promise<void>((resolve) => (allSettled = resolve))
  const done = () => {
    result.inFlight--
    result.lastAnswerMs = performance.now() - start
    if (due === total && result.inFlight === 0) allSettled()
  }

  const send = (n: number) => {
    const dueAt = start + (n * 1000) / rate
    if (result.inFlight >= maxInFlight) {
      result.skipped++
      return
    }
    const row = rows[n % rows.length]!
    result.sent++
    result.inFlight++
    result.maxInFlightSeen = Math.max(result.maxInFlightSeen, result.inFlight)
    let finished = false
    const finish = (what: () => void) => {
      if (finished || over) return
      finished = true
      const correctBefore = result.correct
      what()
      if (result.correct === correctBefore) result.failuresBySecond[Math.floor(n / rate)]!++
      done()
    }
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(row.body) },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', (error) =>
          finish(() => {
            result.networkErrors++
            example(`request ${n}: response error: ${error.message}`)
          }),
        )
        response.on('end', () =>
          finish(() => {
            const text = Buffer.concat(chunks).toString('utf8')
            const status = response.statusCode ?? 0
            if (status !== 200) {
              result.byStatus[status] = (result.byStatus[status] ?? 0) + 1
              if (result.byStatus[status] === 1) example(`request ${n}: status ${status}: ${text.slice(0, 200)}`)
              return
            }
            const wrong = check(text, row.expected)
            if (wrong) {
              result.wrong++
              example(`request ${n} (row ${n % rows.length}): wrong answer: ${wrong}`)
              return
            }
            result.correct++
            result.latenciesMs.push(performance.now() - dueAt)
          }),
        )
      },
    )
    request.on('error', (error) =>
      finish(() => {
        result.networkErrors++
        example(`request ${n}: ${error.message}`)
      }),
    )
    request.end(row.body)
  }

  // The schedule: every few ms, send every request due by now.
  let lastSecond = 0
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsedMs = performance.now() - start
      const dueNow = Math.min(total, Math.floor((elapsedMs * rate) / 1000))
      while (due < dueNow) send(due++)
      const second = Math.floor(elapsedMs / 1000)
      if (second > lastSecond && second <= seconds) {
        lastSecond = second
        options.onSecond?.(result, second)
      }
      if (due === total) {
        clearInterval(timer)
        resolve()
      }
    }, 2)
  })
  if (result.inFlight === 0) allSettled()
  await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, graceMs))])
  over = true
  result.lost = result.inFlight
  agent.destroy()
  return result
}

/** '' when the answer is the expected one row, else what is wrong with it. */
function check(text: string, expected: Tensor): string {
  let rows: unknown
  try {
    rows = JSON.parse(text)
  } catch {
    return `not JSON: ${text.slice(0, 100)}`
  }
  if (!Array.isArray(rows) || rows.length !== 1 || !Array.isArray(rows[0])) return `not one row: ${text.slice(0, 100)}`
  const row = rows[0] as number[]
  return difference({ y: tensor('float32', [1, row.length], Float32Array.from(row)) }, { y: expected })
}
