import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../src/batching/clock.js'
import { resolveBatching } from '../../src/batching/config.js'
import { Scheduler } from '../../src/batching/scheduler.js'
import type { Executor } from '../../src/runner/executor.js'
import type { Tensor } from '../../src/tensor/tensor.js'

/** Answers after a random short delay with every element doubled plus one: a row-wise function. */
class RowwiseExecutor implements Executor {
  inFlight = 0
  batches = 0
  largest = 0
  constructor(
    readonly label: string,
    private readonly delays: () => number,
    private readonly axis: number,
  ) {}
  async setup() {
    return { methods: [], notes: [] }
  }
  async call(_method: string, input: unknown): Promise<unknown> {
    this.inFlight++
    this.batches++
    this.largest = Math.max(this.largest, Array.isArray(input) ? input.length : (input as Tensor).dims[this.axis]!)
    await new Promise((r) => setTimeout(r, this.delays()))
    this.inFlight--
    if (Array.isArray(input)) return input.map((v: number) => v * 2 + 1)
    const t = input as Tensor<'float64'>
    return { ...t, data: t.data.map((v) => v * 2 + 1) }
  }
  onDeath(): void {}
  async close(): Promise<void> {}
}

const callArbitrary = fc.record({
  items: fc.integer({ min: 1, max: 12 }),
  otherDim: fc.integer({ min: 1, max: 3 }),
  delayMs: fc.integer({ min: 0, max: 3 }),
})

describe('batching under random load', () => {
  it('every caller gets exactly its own rows back, whatever the sizes, batch axis and concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rank: fc.integer({ min: 1, max: 3 }),
          axisSeed: fc.nat(),
          maxBatchSize: fc.integer({ min: 1, max: 16 }),
          workers: fc.integer({ min: 1, max: 3 }),
          calls: fc.array(callArbitrary, { minLength: 1, maxLength: 30 }),
          arrays: fc.boolean(),
          seed: fc.nat(),
        }),
        async ({ rank, axisSeed, maxBatchSize, workers, calls, arrays, seed }) => {
          const axis = arrays ? 0 : axisSeed % rank
          let state = seed
          const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
          const executors = Array.from(
            { length: workers },
            (_, i) => new RowwiseExecutor(`w${i}`, () => Math.floor(random() * 3), axis),
          )
          const scheduler = new Scheduler({
            runner: 'prop',
            methods: {
              run: resolveBatching(
                'prop',
                'run',
                { batchable: true, batchDim: axis },
                { maxBatchSize, maxLatencyMs: 60_000 },
              ),
            },
            live: () => executors,
            timeoutMs: 60_000,
            strandedMs: 60_000,
            whyNoWorker: () => undefined,
            clock: systemClock,
          })
          const inputs = calls.map((c, caller) => {
            if (arrays) return Array.from({ length: c.items }, (_, i) => caller * 1000 + i)
            // Non-batch dims vary between callers, so some calls can never share a batch.
            const dims = Array.from({ length: rank }, (_, d) => (d === axis ? c.items : c.otherDim + d))
            const size = dims.reduce((a, b) => a * b, 1)
            return {
              dtype: 'float64',
              dims,
              data: Float64Array.from({ length: size }, (_, i) => caller * 1000 + i),
            } as Tensor<'float64'>
          })
          const answers = await Promise.all(
            inputs.map(async (input, caller) => {
              await new Promise((r) => setTimeout(r, calls[caller]!.delayMs))
              return scheduler.submit('run', input)
            }),
          )
          answers.forEach((answer, caller) => {
            const input = inputs[caller]!
            if (Array.isArray(input)) expect(answer).toEqual(input.map((v) => v * 2 + 1))
            else {
              const t = answer as Tensor<'float64'>
              expect(t.dims).toEqual(input.dims)
              expect(Array.from(t.data)).toEqual(Array.from((input as Tensor<'float64'>).data, (v) => v * 2 + 1))
            }
          })
          const metrics = scheduler.methods.get('run')!.metrics
          expect(metrics.items).toBe(calls.reduce((n, c) => n + c.items, 0))
          expect(metrics.batchSize.sum).toBe(metrics.items)
          expect(metrics.executions).toBe(executors.reduce((n, e) => n + e.batches, 0))
          expect(metrics.queued).toBe(0)
          expect(Math.max(...executors.map((e) => e.largest))).toBeLessThanOrEqual(maxBatchSize)
        },
      ),
      { numRuns: 60 },
    )
  }, 120_000)
})

/**
 * Runs a record model: `a` and `b` batched on axes of their own, `k` shared by the batch. It answers
 * `a2 = 2a + 1` (on a's axis), `b2 = b + k[0]` (on b's axis) and `kk = k` whole, so a caller whose batch
 * held another caller's `k` gets a wrong `b2` back, and the `k` it sees is returned to it.
 */
class RecordExecutor implements Executor {
  inFlight = 0
  batches = 0
  largest = 0
  constructor(
    readonly label: string,
    private readonly delays: () => number,
    private readonly axisA: number,
  ) {}
  async setup() {
    return { methods: [], notes: [] }
  }
  async call(_method: string, input: unknown): Promise<unknown> {
    const { a, b, k } = input as Record<string, Tensor<'float64'>>
    this.inFlight++
    this.batches++
    this.largest = Math.max(this.largest, a!.dims[this.axisA]!)
    await new Promise((r) => setTimeout(r, this.delays()))
    this.inFlight--
    return {
      a2: { ...a!, data: a!.data.map((v) => v * 2 + 1) },
      b2: { ...b!, data: b!.data.map((v) => v + k!.data[0]!) },
      kk: { ...k!, data: k!.data.slice() },
    }
  }
  onDeath(): void {}
  async close(): Promise<void> {}
}

describe('batching with an axis per name and shared inputs, under random load', () => {
  it('every caller gets its own rows and its own shared value back, and no batch mixes two shared values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rankA: fc.integer({ min: 1, max: 3 }),
          rankB: fc.integer({ min: 1, max: 3 }),
          axisSeeds: fc.tuple(fc.nat(), fc.nat()),
          maxBatchSize: fc.integer({ min: 1, max: 16 }),
          workers: fc.integer({ min: 1, max: 3 }),
          calls: fc.array(
            fc.record({
              items: fc.integer({ min: 1, max: 12 }),
              otherDim: fc.integer({ min: 1, max: 2 }),
              shared: fc.integer({ min: 0, max: 2 }),
              delayMs: fc.integer({ min: 0, max: 3 }),
            }),
            {
              minLength: 1,
              maxLength: 30,
            },
          ),
          seed: fc.nat(),
        }),
        async ({ rankA, rankB, axisSeeds, maxBatchSize, workers, calls, seed }) => {
          const axisA = axisSeeds[0] % rankA
          const axisB = axisSeeds[1] % rankB
          let state = seed
          const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
          const executors = Array.from(
            { length: workers },
            (_, i) => new RecordExecutor(`w${i}`, () => Math.floor(random() * 3), axisA),
          )
          const scheduler = new Scheduler({
            runner: 'prop',
            methods: {
              run: resolveBatching(
                'prop',
                'run',
                {
                  batchable: true,
                  batchDim: [
                    { a: axisA, b: axisB },
                    { a2: axisA, b2: axisB },
                  ],
                },
                { maxBatchSize, maxLatencyMs: 60_000 },
              ),
            },
            live: () => executors,
            timeoutMs: 60_000,
            strandedMs: 60_000,
            whyNoWorker: () => undefined,
            clock: systemClock,
          })
          const filled = (
            rank: number,
            axis: number,
            items: number,
            other: number,
            base: number,
          ): Tensor<'float64'> => {
            const dims = Array.from({ length: rank }, (_, d) => (d === axis ? items : other + d))
            return {
              dtype: 'float64',
              dims,
              data: Float64Array.from({ length: dims.reduce((x, y) => x * y, 1) }, (_, i) => base + i),
            }
          }
          const inputs = calls.map((c, caller) => ({
            a: filled(rankA, axisA, c.items, c.otherDim, caller * 1000),
            b: filled(rankB, axisB, c.items, 1, caller * 1000 + 500),
            k: { dtype: 'float64', dims: [2], data: Float64Array.of(c.shared * 7, c.shared) } as Tensor<'float64'>,
          }))
          const answers = await Promise.all(
            inputs.map(async (input, caller) => {
              await new Promise((r) => setTimeout(r, calls[caller]!.delayMs))
              return (await scheduler.submit('run', input)) as Record<string, Tensor<'float64'>>
            }),
          )
          answers.forEach((answer, caller) => {
            const { a, b, k } = inputs[caller]!
            expect(answer.a2!.dims).toEqual(a.dims)
            expect(Array.from(answer.a2!.data)).toEqual(Array.from(a.data, (v) => v * 2 + 1))
            expect(answer.b2!.dims).toEqual(b.dims)
            expect(Array.from(answer.b2!.data)).toEqual(Array.from(b.data, (v) => v + k.data[0]!))
            expect(Array.from(answer.kk!.data)).toEqual(Array.from(k.data))
          })
          const metrics = scheduler.methods.get('run')!.metrics
          expect(metrics.items).toBe(calls.reduce((n, c) => n + c.items, 0))
          expect(metrics.batchSize.sum).toBe(metrics.items)
          expect(metrics.queued).toBe(0)
          expect(Math.max(...executors.map((e) => e.largest))).toBeLessThanOrEqual(maxBatchSize)
        },
      ),
      { numRuns: 60 },
    )
  }, 120_000)
})
