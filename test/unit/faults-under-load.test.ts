// Faults while many calls are in flight, over real HTTP on 127.0.0.1. Every call sends its own numbers,
// so an answer is checked against exactly what it sent: each must come back right, or be refused with a
// clear status; none may hang or get another call's answer; and the service answers well afterwards.
import { afterEach, describe, expect, it } from 'vitest'
import { serve, type RunningServer } from '../../src/adapters/node/server.js'
import * as io from '../../src/io/index.js'
import { Runner, type RunnerOptions } from '../../src/runner/runner.js'
import { Service, type HttpConfig } from '../../src/service/service.js'
import scale, { type ScaleParams } from '../fixtures/runnables/scale.js'
import { outcomeOf, refusedCount, underLoad, type Outcome } from '../shared/load.js'

const FACTOR = 3
/** A number that ends the worker that meets it, with the rest of its batch. */
const POISON = -1

const scaleRunner = (params: Omit<ScaleParams, 'factor'>, options: RunnerOptions<ScaleParams, never>) =>
  new Runner(scale, {
    maxBatchSize: 16,
    timeoutMs: 20_000,
    ...options,
    runnableInitParams: { factor: FACTOR, exitOn: POISON, ...params },
  })

interface Served {
  readonly url: string
  readonly runner: ReturnType<typeof scaleRunner>
  readonly service: Service
}

const running: RunningServer[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})

/** One API, `scale`, on a runner of its own, served over HTTP. */
async function serveScale(
  params: Omit<ScaleParams, 'factor'>,
  options: RunnerOptions<ScaleParams, never> = {},
  http: HttpConfig = {},
): Promise<Served> {
  const runner = scaleRunner(params, options)
  const service = new Service('faults', { runners: [runner as Runner], config: { http } }).api(
    { name: 'scale', input: io.json<number[]>(), output: io.json() },
    (numbers, { signal }) => runner.methods.scale.run(numbers, { signal }),
  )
  const server = await serve(service, { port: 0, drainMs: 1000 })
  running.push(server)
  return { url: server.url, runner, service }
}

/** Call `i` sends `[i, i + 0.5]` (or the poison at `poisonAt`) and must get exactly those numbers, scaled. */
async function scaleCall(url: string, i: number, signal: AbortSignal, poisonAt = -1): Promise<Outcome> {
  const numbers = i === poisonAt ? [POISON] : [i, i + 0.5]
  const response = await fetch(`${url}/scale`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(numbers),
    signal,
  })
  const want = numbers.map((n) => n * FACTOR)
  return outcomeOf(response, (body) =>
    JSON.stringify(body) === JSON.stringify(want)
      ? undefined
      : `call ${i}: ${JSON.stringify(body)}, expected ${JSON.stringify(want)}`,
  )
}

/** Waits for a condition the system reaches on its own (a worker replaced), failing after `ms`. */
async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** After the fault: nothing left queued or running, ready, and a good call answered right. */
async function expectHealthy({ url, runner, service }: Served): Promise<void> {
  await until(
    'calls settled',
    async () => service.httpMetrics.inProgress === 0 && (await runner.stats()).inFlight === 0,
  )
  expect((await runner.stats()).queued).toBe(0)
  expect((await fetch(`${url}/readyz`)).status).toBe(200)
  expect(await scaleCall(url, 10_000_000, AbortSignal.timeout(10_000))).toEqual({ right: true })
}

describe('faults under load, over HTTP', () => {
  it('a worker killed with a batch in flight: only that batch is refused (503 worker_lost), and it is replaced', async () => {
    const served = await serveScale({}, { workers: 2 })
    const report = await underLoad(3000, 200, (i, signal) => scaleCall(served.url, i, signal, 1500))
    expect(report.problems).toEqual([])
    expect(Object.keys(report.refused)).toEqual(['503 worker_lost'])
    // The poisoned call and those batched with it, no more: a full batch waiting behind it runs on the other worker.
    expect(refusedCount(report)).toBeGreaterThanOrEqual(1)
    expect(refusedCount(report)).toBeLessThanOrEqual(16)
    expect(report.right + refusedCount(report)).toBe(3000)
    await until('the pool back to 2 workers', () => served.runner.workers.live === 2)
    expect(served.runner.workers.restarts).toBe(1)
    await expectHealthy(served)
  }, 60_000)

  it.each([1, 2])(
    'with %i worker(s), a replacement whose setup hangs is stopped after setupTimeoutMs and replaced again',
    async (workers) => {
      // Setups 1..workers start the pool; the next, the first replacement, hangs; the one after succeeds.
      const counter = new Int32Array(new SharedArrayBuffer(4))
      const served = await serveScale({ setups: { counter, hang: [workers + 1] } }, { workers, setupTimeoutMs: 2000 })
      const report = await underLoad(2000, 200, (i, signal) => scaleCall(served.url, i, signal, 500))
      expect(report.problems).toEqual([])
      expect(Object.keys(report.refused)).toEqual(['503 worker_lost'])
      // With no worker left, calls wait for one at most setupTimeoutMs, then are refused; with one left, it serves them.
      if (workers === 2) expect(refusedCount(report)).toBeLessThanOrEqual(16)
      await until('the pool back to full', () => served.runner.workers.live === workers)
      expect(Atomics.load(counter, 0)).toBe(workers + 2)
      expect(served.runner.workers.restarts).toBe(1)
      await expectHealthy(served)
    },
    60_000,
  )

  it('a full queue refuses calls at once with 503 overloaded and Retry-After, and answers every other call right', async () => {
    const served = await serveScale({ callDelayMs: 10 }, { workers: 1, maxBatchSize: 8, maxQueueItems: 16 })
    const report = await underLoad(1500, 300, (i, signal) => scaleCall(served.url, i, signal))
    expect(report.problems).toEqual([])
    expect(Object.keys(report.refused)).toEqual(['503 overloaded'])
    expect(report.right).toBeGreaterThan(0)
    expect(served.runner.metrics().find((m) => m.method === 'scale')!.rejections.queue_full).toBe(refusedCount(report))
    await expectHealthy(served)
  }, 60_000)

  it('calls beyond http.maxInFlight get 503 overloaded with Retry-After, and every other call its own answer', async () => {
    const served = await serveScale({ callDelayMs: 5 }, { workers: 1 }, { maxInFlight: 16 })
    const report = await underLoad(1000, 200, (i, signal) => scaleCall(served.url, i, signal))
    expect(report.problems).toEqual([])
    expect(Object.keys(report.refused)).toEqual(['503 overloaded'])
    expect(report.right).toBeGreaterThan(0)
    expect(served.service.httpMetrics.byApi.get('scale')!.statuses.get(503)).toBe(refusedCount(report))
    await expectHealthy(served)
  }, 60_000)

  it('clients that disconnect mid-call are counted as 499; every other call gets its own answer', async () => {
    const served = await serveScale({ callDelayMs: 2 }, { workers: 1, maxBatchSize: 8 })
    const report = await underLoad(900, 150, async (i, signal) => {
      if (i % 3 !== 0) return scaleCall(served.url, i, signal)
      const client = AbortSignal.any([signal, AbortSignal.timeout(i % 20)])
      // A call that finishes before its client leaves must still be right.
      return scaleCall(served.url, i, client).catch((error: unknown) =>
        client.aborted && !signal.aborted ? { refused: 'client left' } : Promise.reject(error),
      )
    })
    expect(report.problems).toEqual([])
    expect(Object.keys(report.refused)).toEqual(['client left'])
    expect(report.right).toBeGreaterThanOrEqual(600)
    await expectHealthy(served)
    const statuses = served.service.httpMetrics.byApi.get('scale')!.statuses
    expect(statuses.get(499)).toBeGreaterThan(0)
    expect([...statuses.keys()].sort()).toEqual([200, 499])
  }, 60_000)
})
