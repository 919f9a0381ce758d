// The way calls travel to a runner's workers and back: by message, or through shared memory where a runner
// asks for it and both threads can use it. Both ways must answer the same, so every test runs on both.
import { afterEach, describe, expect, it } from 'vitest'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { BadInput, Timeout, WorkerLost } from '../../src/errors.js'
import { Runner } from '../../src/runner/runner.js'
import scale from '../fixtures/runnables/scale.js'

const started: Runner[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.shutdown()))
})

/** A seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
}

describe.each([
  ['shared memory', true, /; calls through shared memory \(up to 256 KiB\)$/],
  ['messages', false, null],
] as const)('calls to workers through %s', (_way, sharedMemory, note) => {
  async function runner(options: ConstructorParameters<typeof Runner>[1] = {}) {
    const r = new Runner(scale, {
      platform: nodePlatform,
      runnableInitParams: { factor: 2 },
      workers: 1,
      sharedMemory,
      ...options,
    })
    started.push(r as Runner)
    await r.init()
    return r
  }

  it('says how calls travel', async () => {
    const r = await runner()
    expect(r.placement!.reason).toMatch(note ?? /^one worker with \d+ threads?$|worker as configured$/)
    // The one difference between the ways: shared memory leaves out a property that is undefined.
    const back = (await r.methods.echo.run({ gone: undefined, kept: 1 })) as Record<string, unknown>
    expect(back.kept).toBe(1)
    expect('gone' in back).toBe(note === null)
  })

  it('gives every caller its own rows, whatever the sizes and the concurrency', async () => {
    const r = await runner({ workers: 2, maxBatchSize: 64 * 1024, maxQueueItems: 16 * 1024 * 1024, maxLatencyMs: 5000 })
    const next = random(7)
    for (let round = 0; round < 6; round++) {
      const callers = 1 + Math.floor(next() * 48)
      const sizes = Array.from({ length: callers }, () =>
        // Mostly small calls, some past the shared memory's size (they go by message).
        next() < 0.15 ? 100_000 + Math.floor(next() * 200_000) : 1 + Math.floor(next() * 2000),
      )
      const inputs = sizes.map((n, caller) => Float32Array.from({ length: n }, (_, i) => caller * 1e6 + i))
      const outputs = await Promise.all(inputs.map((x) => r.methods.scaleTensor.run(x)))
      outputs.forEach((y, caller) => {
        expect(y).toBeInstanceOf(Float32Array)
        expect(y.length).toBe(sizes[caller])
        expect(Array.from(y.subarray(0, 3))).toEqual(Array.from(inputs[caller]!.subarray(0, 3), (v) => v * 2))
        expect(y.at(-1)).toBe(inputs[caller]!.at(-1)! * 2)
      })
    }
    const metrics = r.metrics().find((m) => m.method === 'scaleTensor')!
    expect(metrics.requests).toBeGreaterThan(metrics.executions) // calls were batched together
  })

  it('sends a busy worker the next batch when it is full, and no more', async () => {
    const r = await runner({ maxBatchSize: 4, maxLatencyMs: 5000, runnableInitParams: { factor: 2, callDelayMs: 50 } })
    const calls = Array.from({ length: 6 }, (_, k) => Array.from({ length: 4 }, (_, i) => k * 10 + i))
    const answers = calls.map((x) => r.methods.scale.run(x))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect((await r.stats()).inFlight).toBe(2) // one batch running, one full batch waiting in the worker
    expect(await Promise.all(answers)).toEqual(calls.map((x) => x.map((v) => v * 2)))
    expect(r.metrics().find((m) => m.method === 'scale')!.executions).toBe(6)
  })

  it('a full batch waiting in a worker that dies runs on its replacement: only the batch that ran is lost', async () => {
    const r = await runner({ maxBatchSize: 4, runnableInitParams: { factor: 2, exitOn: 666 } })
    const crashing = r.methods.scale.run([666, 1, 2, 3])
    const waiting = r.methods.scale.run([10, 11, 12, 13])
    await expect(crashing).rejects.toThrow(WorkerLost)
    expect(await waiting).toEqual([20, 22, 24, 26])
    expect(r.workers.restarts).toBe(1)
  })

  it('a worker that answers a full batch and dies on the one after: the answered batch is kept, only the other is lost', async () => {
    // The worker runs the second batch only once it has answered the first, and the answer is read even when
    // this thread was busy as the worker died (odd rounds), so the runner knows which batch it died on and
    // runs none again (on its replacement, it would die too).
    for (let round = 0; round < 10; round++) {
      const r = await runner({ maxBatchSize: 4, maxLatencyMs: 5000, runnableInitParams: { factor: 2, exitOn: 666 } })
      const answered = r.methods.scale.run([1, 2, 3, 4])
      const crashing = r.methods.scale.run([666, 5, 6, 7])
      if (round % 2) {
        await new Promise((resolve) => setImmediate(resolve))
        for (const until = performance.now() + 300; performance.now() < until;);
      }
      expect(await answered, `round ${round}`).toEqual([2, 4, 6, 8])
      await expect(crashing).rejects.toThrow(WorkerLost)
      await r.shutdown()
      expect(r.workers.restarts, `round ${round}`).toBeLessThanOrEqual(1)
    }
  })

  it('carries any value the way structured clone does, and long answers to short calls', async () => {
    const r = await runner()
    const plain = {
      text: 'päper ✓',
      list: [1, [2, { three: null }]],
      ints: Int32Array.of(-1, 2),
      f64: Float64Array.of(Math.PI),
    }
    expect(await r.methods.echo.run(plain)).toEqual(plain)
    const rich = { at: new Date(5), map: new Map([['a', 1]]), nan: Number.NaN, big: 10n, holes: [1, undefined] }
    expect(await r.methods.echo.run(rich)).toEqual(rich)
    const long = await r.methods.fill.run({ length: 1_000_000, value: 3 })
    expect(long.length).toBe(1_000_000)
    expect(long[999_999]).toBe(3)
    expect(await r.methods.scale.run([1, 2])).toEqual([2, 4])
  })

  it('keeps the class of an error thrown in the worker', async () => {
    const r = await runner()
    const error = await r.methods.reject.run('no').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BadInput)
    expect((error as Error).message).toBe('scale refuses: no')
    expect(await r.methods.scale.run([4])).toEqual([8])
  })

  it('an answer that cannot leave the worker fails its call at once, and the worker carries on', async () => {
    const r = await runner({ timeoutMs: 10_000 })
    const t0 = performance.now()
    const error = await r.methods.unsendable.run(null).catch((e: unknown) => e)
    expect(performance.now() - t0).toBeLessThan(5_000)
    expect((error as Error).message).toMatch(
      /^The answer to "unsendable" cannot be sent from the worker \(.+\); return data that structured clone can copy$/,
    )
    expect(await r.methods.scale.run([3])).toEqual([6])
    expect(r.workers.restarts).toBe(0)
  })

  it('a worker killed in the middle of a call rejects it at once, and its replacement answers', async () => {
    const r = await runner({ timeoutMs: 10_000 })
    const t0 = performance.now()
    await expect(r.methods.crash.run({ after: 50 })).rejects.toThrow(WorkerLost)
    expect(performance.now() - t0).toBeLessThan(5_000)
    expect(await r.methods.scaleTensor.run(Float32Array.of(1.5))).toEqual(Float32Array.of(3))
  })

  it('a worker that never answers rejects within the timeout', async () => {
    const r = await runner({ timeoutMs: 300 })
    const t0 = performance.now()
    await expect(r.methods.hang.run(null)).rejects.toThrow(Timeout)
    expect(performance.now() - t0).toBeLessThan(3_000)
    expect(await r.methods.scale.run([1])).toEqual([2])
  })

  it('a runner left idle uses no measurable CPU', async () => {
    const r = await runner({ workers: 2 })
    await Promise.all(Array.from({ length: 50 }, (_, i) => r.methods.scaleTensor.run(Float32Array.of(i))))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const before = process.cpuUsage()
    const t0 = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const used = process.cpuUsage(before)
    const share = (used.user + used.system) / 1000 / (performance.now() - t0)
    // A thread spinning on the memory would show as 1 (a whole core); idle threads show next to 0.
    expect(share).toBeLessThan(0.05)
  })
})
