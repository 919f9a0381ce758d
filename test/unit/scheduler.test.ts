import { describe, expect, it } from 'vitest'
import type { BatchDim } from '../../src/batch-axes.js'
import { resolveBatching } from '../../src/batching/config.js'
import { Scheduler } from '../../src/batching/scheduler.js'
import { BadInput, Overloaded, WorkerLost } from '../../src/errors.js'
import type { Tensor } from '../../src/tensor/tensor.js'
import { FakeClock } from '../support/fake-clock.js'
import { ManualExecutor, settle } from '../support/fake-executor.js'

const rows = (...values: number[]): number[] => values
const tensor = (dims: number[], start = 0): Tensor<'float32'> => ({
  dtype: 'float32',
  dims,
  data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => start + i),
})

/** A worker as WorkerExecutor is one: a full batch sent while it runs waits in it. */
class QueueingExecutor extends ManualExecutor {
  readonly queuesFullBatch = true
}

function setup(
  options: {
    workers?: number
    queuesFullBatch?: boolean
    config?: Parameters<typeof resolveBatching>[3]
    method?: { batchable?: boolean; batchDim?: BatchDim }
  } = {},
) {
  const clock = new FakeClock()
  const Executor = options.queuesFullBatch ? QueueingExecutor : ManualExecutor
  const executors = Array.from({ length: options.workers ?? 1 }, (_, i) => new Executor(`worker ${i}`))
  let live = executors
  const config = resolveBatching('r', 'run', { batchable: true, ...options.method }, options.config ?? {})
  const scheduler = new Scheduler({
    runner: 'r',
    methods: { run: config, other: resolveBatching('r', 'other', {}, {}) },
    live: () => live,
    timeoutMs: 60_000,
    strandedMs: 5_000,
    whyNoWorker: () => 'setup keeps failing',
    clock,
  })
  const metrics = scheduler.methods.get('run')!.metrics
  return { clock, executors, scheduler, metrics, setLive: (e: ManualExecutor[]) => (live = e) }
}

/** Runs a few batches of `n` items taking `ms` each, so the latency model is calibrated. */
async function calibrate(s: ReturnType<typeof setup>, sizes: number[], ms: (n: number) => number) {
  for (const n of sizes) {
    s.clock.advance(2_000) // far apart: low load, so each goes out at once
    const answer = s.scheduler.submit(
      'run',
      Array.from({ length: n }, (_, i) => i),
    )
    await settle()
    s.clock.advance(ms(n))
    s.executors[0]!.answer()
    await answer
    await settle()
  }
}

describe('the scheduler', () => {
  it('sends a lone call at once when a worker is free: no waiting at low load', async () => {
    const { scheduler, executors } = setup()
    const answer = scheduler.submit('run', rows(1, 2))
    await settle() // the scheduler decides once the calls made in this turn are in
    expect(executors[0]!.held.map((c) => c.input)).toEqual([[1, 2]])
    executors[0]!.answer((x) => (x as number[]).map((v) => v * 10))
    expect(await answer).toEqual([10, 20])
  })

  it('keeps one batch in flight per worker and merges what queued meanwhile, oldest first', async () => {
    const { scheduler, executors, metrics } = setup()
    const first = scheduler.submit('run', rows(1))
    await settle()
    const queued = [
      scheduler.submit('run', rows(2, 3)),
      scheduler.submit('run', rows(4)),
      scheduler.submit('run', rows(5, 6, 7)),
    ]
    expect(executors[0]!.held).toHaveLength(1)
    executors[0]!.answer()
    await settle()
    expect(executors[0]!.held.map((c) => c.input)).toEqual([[2, 3, 4, 5, 6, 7]])
    executors[0]!.answer((x) => (x as number[]).map((v) => -v))
    expect(await first).toEqual([1])
    expect(await Promise.all(queued)).toEqual([[-2, -3], [-4], [-5, -6, -7]])
    expect(metrics).toMatchObject({ requests: 4, items: 7, executions: 2 })
    expect(metrics.batchSize.count).toBe(2)
    expect(metrics.batchSize.sum).toBe(7)
  })

  it('sends a busy worker that queues batches a full one, never a partial one, and times it from when the one ahead ended', async () => {
    const { scheduler, executors, clock, metrics } = setup({ queuesFullBatch: true, config: { maxBatchSize: 4 } })
    const worker = executors[0]!
    const first = scheduler.submit('run', rows(1))
    await settle()
    const partial = scheduler.submit('run', rows(2, 3))
    await settle()
    expect(worker.held).toHaveLength(1) // two items wait in the queue: they may still grow into a batch
    const filling = scheduler.submit('run', rows(4, 5))
    await settle()
    expect(worker.held.map((c) => c.input)).toEqual([[1], [2, 3, 4, 5]])
    const last = scheduler.submit('run', rows(6))
    await settle()
    expect(worker.held).toHaveLength(2) // never a third
    clock.advance(10)
    worker.answer((x) => (x as number[]).map((v) => -v))
    await settle()
    expect(worker.held.map((c) => c.input)).toEqual([[2, 3, 4, 5]]) // [6] is partial and the worker still busy
    clock.advance(7)
    worker.answer((x) => (x as number[]).map((v) => -v))
    await settle()
    expect(worker.held.map((c) => c.input)).toEqual([[6]])
    worker.answer((x) => (x as number[]).map((v) => -v))
    expect(await Promise.all([first, partial, filling, last])).toEqual([[-1], [-2, -3], [-4, -5], [-6]])
    // The second batch ran 7 ms (from the end of the first), not the 17 since it was sent.
    expect(metrics.executionMs.sum).toBe(17)
  })

  it('gives a full batch to an idle worker before queueing it behind a busy one, and never queues two', async () => {
    const { scheduler, executors } = setup({ workers: 2, queuesFullBatch: true, config: { maxBatchSize: 2 } })
    const inputs = () => executors.map((e) => e.held.map((c) => c.input))
    const answers = [scheduler.submit('run', rows(1))]
    await settle()
    answers.push(scheduler.submit('run', rows(3, 4)))
    await settle()
    expect(inputs()).toEqual([[[1]], [[3, 4]]])
    for (const next of [rows(5, 6), rows(7, 8), rows(9, 10)]) {
      answers.push(scheduler.submit('run', next))
      await settle()
    }
    expect(inputs()).toEqual([
      [[1], [5, 6]],
      [
        [3, 4],
        [7, 8],
      ],
    ])
    while (executors.some((e) => e.held.length > 0)) {
      for (const e of executors) if (e.held.length > 0) e.answer()
      await settle()
    }
    expect(await Promise.all(answers)).toEqual([rows(1), rows(3, 4), rows(5, 6), rows(7, 8), rows(9, 10)])
  })

  it('runs again on another worker a batch lost while it waited behind an unanswered one, and only that one', async () => {
    const { scheduler, executors, setLive } = setup({ workers: 2, queuesFullBatch: true, config: { maxBatchSize: 2 } })
    const [lost, other] = executors as [ManualExecutor, ManualExecutor]
    const ran = scheduler.submit('run', rows(1))
    await settle()
    const elsewhere = scheduler.submit('run', rows(3, 4))
    await settle()
    const queued = scheduler.submit('run', rows(5, 6))
    await settle()
    expect(lost.held.map((c) => c.input)).toEqual([[1], [5, 6]])
    // The worker dies: the pool takes it out, then its calls fail in the order sent.
    setLive([other])
    lost.held[0]!.reject(new WorkerLost('worker 0 exited'))
    lost.held[0]!.reject(new WorkerLost('worker 0 exited'))
    await expect(ran).rejects.toBeInstanceOf(WorkerLost)
    await settle()
    expect(other.held.map((c) => c.input)).toEqual([
      [3, 4],
      [5, 6],
    ])
    other.answer()
    other.answer()
    expect(await Promise.all([elsewhere, queued])).toEqual([rows(3, 4), rows(5, 6)])
    // Once the batch ahead is answered, the next one has started: lost with the worker, it is not run again.
    const first = scheduler.submit('run', rows(7))
    await settle()
    const second = scheduler.submit('run', rows(8, 9))
    await settle()
    other.answer()
    expect(await first).toEqual(rows(7))
    const spare = new QueueingExecutor('worker 2')
    setLive([other, spare])
    other.held[0]!.reject(new WorkerLost('worker 1 exited'))
    await expect(second).rejects.toBeInstanceOf(WorkerLost)
    expect(spare.seen).toEqual([])
  })

  it('feeds every worker of the runner from the one queue', async () => {
    const { scheduler, executors } = setup({ workers: 2 })
    const answers = [1, 2, 3].map((v) => scheduler.submit('run', rows(v)))
    await settle()
    // Free workers share what is queued.
    expect(executors.map((e) => e.held.map((c) => c.input))).toEqual([[[1, 2]], [[3]]])
    const more = [4, 5].map((v) => scheduler.submit('run', rows(v)))
    await settle()
    executors[1]!.answer()
    await settle()
    expect(executors[1]!.held.map((c) => c.input)).toEqual([[4, 5]])
    executors[0]!.answer()
    executors[1]!.answer()
    expect(await Promise.all([...answers, ...more])).toEqual([[1], [2], [3], [4], [5]])
  })

  it('counts items, not calls, against maxBatchSize, and splits a call across batches', async () => {
    const { scheduler, executors } = setup({ config: { maxBatchSize: 4 } })
    const busy = scheduler.submit('run', rows(0))
    await settle()
    const a = scheduler.submit('run', rows(1, 2, 3))
    const b = scheduler.submit('run', rows(4, 5, 6, 7, 8, 9, 10))
    await settle()
    const worker = executors[0]!
    const batches: unknown[] = []
    for (let i = 0; i < 4; i++) {
      batches.push(worker.held[0]!.input)
      worker.answer((x) => (x as number[]).map((v) => v * 2))
      await settle()
    }
    expect(batches).toEqual([[0], [1, 2, 3, 4], [5, 6, 7, 8], [9, 10]])
    expect(await busy).toEqual([0])
    expect(await a).toEqual([2, 4, 6])
    expect(await b).toEqual([8, 10, 12, 14, 16, 18, 20])
  })

  it('never merges tensors whose other dims differ, and reassembles along the batch axis', async () => {
    const { scheduler, executors } = setup({ method: { batchable: true, batchDim: 1 } })
    const busy = scheduler.submit('run', tensor([2, 1, 3]))
    await settle()
    const wide = scheduler.submit('run', tensor([2, 2, 3], 100))
    const narrow = scheduler.submit('run', tensor([2, 1, 5], 200))
    const wide2 = scheduler.submit('run', tensor([2, 3, 3], 300))
    await settle()
    const worker = executors[0]!
    const shapes: number[][] = []
    for (let i = 0; i < 3; i++) {
      shapes.push([...(worker.held[0]!.input as Tensor).dims])
      worker.answer()
      await settle()
    }
    expect(shapes).toEqual([
      [2, 1, 3],
      [2, 5, 3],
      [2, 1, 5],
    ]) // wide + wide2 merged on axis 1; narrow alone
    await busy
    expect(await wide).toEqual(tensor([2, 2, 3], 100))
    expect(await wide2).toEqual(tensor([2, 3, 3], 300))
    expect(await narrow).toEqual(tensor([2, 1, 5], 200))
  })

  it('refuses a call at once with Overloaded and a retry hint when the queue is full', async () => {
    const { scheduler, metrics } = setup({ config: { maxQueueItems: 5 } })
    void scheduler.submit('run', rows(1))
    await settle() // sent to the worker
    void scheduler.submit('run', rows(1, 2, 3, 4))
    const refused = (await scheduler.submit('run', rows(1, 2)).catch((e: unknown) => e)) as Overloaded
    expect(refused).toBeInstanceOf(Overloaded)
    expect(refused.message).toMatch(/queue of "run" is full \(4 of 5 items\)/)
    expect(refused.retryAfterS).toBeGreaterThanOrEqual(1)
    await expect(scheduler.submit('run', rows(...Array(6).fill(0)))).rejects.toThrow(BadInput)
    expect(metrics.rejections.queue_full).toBe(1)
  })

  it('refuses early a call that cannot meet maxLatencyMs, once the latency model knows the runner', async () => {
    const s = setup({ config: { maxBatchSize: 4, maxLatencyMs: 100 } })
    await calibrate(s, [1, 2, 4, 4], (n) => 10 + 10 * n) // a batch of 4 takes 50 ms
    const accepted: Promise<unknown>[] = []
    for (let i = 0; i < 6; i++) accepted.push(s.scheduler.submit('run', rows(i, i)).catch((e: unknown) => e))
    const outcomes = await Promise.all(accepted.map((p) => Promise.race([p, settle().then(() => 'queued')])))
    expect(outcomes.slice(0, 4)).toEqual(['queued', 'queued', 'queued', 'queued'])
    expect(outcomes[5]).toBeInstanceOf(Overloaded)
    expect((outcomes[5] as Error).message).toMatch(/cannot answer within maxLatencyMs \(100 ms\)/)
    expect(s.metrics.rejections.deadline).toBeGreaterThanOrEqual(1)
  })

  it('after full batches slower than maxLatencyMs, still runs a call that nothing is ahead of, and learns from it', async () => {
    const s = setup({ config: { maxBatchSize: 4, maxLatencyMs: 100 } })
    // Only full batches, each 300 ms (a stall, or a burst on a slow machine): the model has no slope to go
    // by, and predicts 150 ms for a single item, over maxLatencyMs.
    await calibrate(s, [4, 4, 4, 4], () => 300)
    expect(s.scheduler.methods.get('run')!.model.predict(1)).toBeGreaterThan(100)
    for (let i = 0; i < 3; i++) {
      s.clock.advance(2_000)
      const answer = s.scheduler.submit('run', rows(i))
      await settle()
      expect(s.executors[0]!.held.map((c) => c.input)).toEqual([[i]])
      s.clock.advance(5)
      s.executors[0]!.answer((x) => (x as number[]).map((v) => v + 1))
      expect(await answer).toEqual([i + 1])
      await settle()
    }
    expect(s.metrics.rejections.deadline).toBe(0)
    expect(s.scheduler.methods.get('run')!.model.predict(1)).toBeLessThan(100)
    // With work ahead, the latency rule still refuses what cannot be answered in time.
    const running = s.scheduler.submit('run', rows(1, 2, 3, 4))
    await settle()
    const late = [0, 1, 2].map(() => s.scheduler.submit('run', rows(1, 2, 3, 4)).catch((e: unknown) => e))
    s.clock.advance(300)
    s.executors[0]!.answer()
    await running
    expect(await late[2]).toBeInstanceOf(Overloaded)
  })

  it('never refuses non-batchable calls by the latency rule, and runs them one at a time in order', async () => {
    const { scheduler, executors, clock } = setup()
    const answers = [1, 2, 3].map((v) => scheduler.submit('other', v))
    await settle()
    for (const expected of [1, 2, 3]) {
      expect(executors[0]!.held.map((c) => c.input)).toEqual([expected])
      clock.advance(20_000) // far beyond maxLatencyMs
      executors[0]!.answer()
      await settle()
    }
    expect(await Promise.all(answers)).toEqual([1, 2, 3])
  })

  it('with batching off sends each call alone', async () => {
    const { scheduler, executors } = setup({ config: { enabled: false } })
    const answers = [
      scheduler.submit('run', rows(1)),
      scheduler.submit('run', rows(2, 3)),
      scheduler.submit('run', rows(4)),
    ]
    await settle()
    const sent: unknown[] = []
    for (let i = 0; i < 3; i++) {
      sent.push(executors[0]!.held[0]!.input)
      executors[0]!.answer()
      await settle()
    }
    expect(sent).toEqual([[1], [2, 3], [4]])
    expect(await Promise.all(answers)).toEqual([[1], [2, 3], [4]])
  })

  it('an AbortSignal takes a queued call out of the queue', async () => {
    const { scheduler, executors, metrics } = setup()
    const busy = scheduler.submit('run', rows(0))
    await settle()
    const controller = new AbortController()
    const cancelled = scheduler.submit('run', rows(1), controller.signal)
    const kept = scheduler.submit('run', rows(2))
    controller.abort(new Error('gone'))
    await expect(cancelled).rejects.toThrow('gone')
    executors[0]!.answer()
    await settle()
    expect(executors[0]!.held.map((c) => c.input)).toEqual([[2]])
    executors[0]!.answer()
    expect(await busy).toEqual([0])
    expect(await kept).toEqual([2])
    expect(metrics.cancelled).toBe(1)
    expect(metrics.queued).toBe(0)
  })

  it('waits to grow a batch under heavy load, and sends it when arrivals pause', async () => {
    const s = setup({ config: { maxBatchSize: 64, maxLatencyMs: 1_000 } })
    await calibrate(s, [1, 8, 16, 32], (n) => 5 + 0.1 * n)
    const worker = s.executors[0]!
    const calibration = worker.seen.length
    s.clock.advance(2_000)
    // A burst far beyond what batches of one can serve: 40 items in 4 ms. The first goes out at once
    // (nothing says a burst is coming); its answer comes back early in the burst.
    const answers: Promise<unknown>[] = []
    let seenWhenFree = 0
    for (let i = 0; i < 40; i++) {
      answers.push(s.scheduler.submit('run', rows(i)))
      await settle()
      if (i === 5) {
        worker.answer()
        await settle()
        seenWhenFree = worker.seen.length
      }
      s.clock.advance(0.1)
    }
    expect(worker.seen.length).toBe(seenWhenFree) // a free worker, yet it waits while the burst goes on
    s.clock.advance(5) // arrivals pause: the stall timer fires
    await settle()
    const batches = worker.seen.slice(calibration).map((c) => (c.input as number[]).length)
    expect(batches[0]).toBe(1)
    expect(batches.reduce((a, b) => a + b, 0)).toBe(40)
    expect(batches.at(-1)).toBeGreaterThanOrEqual(30)
    while (worker.held.length) {
      worker.answer()
      await settle()
    }
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 40 }, (_, i) => [i]))
  })

  it('after a burst of callers, one caller left alone waits at most the minimum stall, however long it goes on', async () => {
    const s = setup({ config: { maxBatchSize: 64, maxLatencyMs: 100 } })
    const batchMs = (n: number) => 0.5 + 0.02 * n
    await calibrate(s, [1, 8, 16, 32, 64], batchMs)
    const worker = s.executors[0]!
    s.clock.advance(2_000)
    // 64 callers in a closed loop for about 150 ms: they are answered together and call again together.
    for (let round = 0; round < 80; round++) {
      const calls = Array.from({ length: 64 }, (_, i) => s.scheduler.submit('run', rows(i)))
      await settle()
      while (worker.held.length) {
        s.clock.advance(batchMs((worker.held[0]!.input as number[]).length))
        worker.answer()
        await settle()
      }
      await Promise.all(calls)
    }
    // Then one caller: each call is answered 0.5 ms after it goes out and the next comes 0.5 ms later.
    // Waiting for more items cannot pay here, yet the burst is still in the last second's arrival rate and
    // peak; what the batcher waits must not grow with the gaps its own waiting makes.
    const waits: number[] = []
    for (let i = 0; i < 200; i++) {
      const answer = s.scheduler.submit('run', rows(i))
      await settle()
      let waited = 0
      while (worker.held.length === 0) {
        s.clock.advance(0.1)
        waited += 0.1
        await settle()
      }
      waits.push(waited)
      s.clock.advance(0.5)
      worker.answer()
      expect(await answer).toEqual([i])
      s.clock.advance(0.5)
    }
    expect(Math.max(...waits)).toBeLessThanOrEqual(1.05)
  })

  it('sends a waiting batch before the oldest call would miss its deadline', async () => {
    const s = setup({ config: { maxBatchSize: 64, maxLatencyMs: 20 } })
    await calibrate(s, [1, 8, 16, 32], (n) => 5 + 0.1 * n)
    const worker = s.executors[0]!
    s.clock.advance(2_000)
    const arrivedAt: number[] = []
    const sent: { at: number; items: number[]; workerFreeAt: number }[] = []
    let freeAt = s.clock.now()
    // Steady arrivals every 0.2 ms never pause long enough to fire the stall timer: only the batch
    // filling up or the deadline can send a batch. Each batch takes the time the model expects.
    for (let i = 0; i < 400; i++) {
      arrivedAt.push(s.clock.now())
      void s.scheduler.submit('run', rows(i))
      await settle()
      const held = worker.held[0]
      if (held && sent.at(-1)?.items !== held.input)
        sent.push({ at: s.clock.now(), items: held.input as number[], workerFreeAt: freeAt })
      const last = sent.at(-1)
      if (held && last && s.clock.now() >= last.at + 5 + 0.1 * last.items.length) {
        worker.answer()
        freeAt = s.clock.now()
        await settle()
        if (worker.held[0] && worker.held[0] !== held)
          sent.push({ at: s.clock.now(), items: worker.held[0].input as number[], workerFreeAt: freeAt })
      }
      s.clock.advance(0.2)
    }
    const fullBatch = s.scheduler.methods.get('run')!.model.predict(64)
    const grown = sent.filter((b) => b.items.length > 1)
    expect(grown.length).toBeGreaterThan(3)
    for (const batch of grown) {
      expect(batch.items.length).toBeGreaterThan(10)
      expect(batch.items.length).toBeLessThan(64)
      // Sent by the deadline rule: no later than the oldest's deadline less a full batch's time, or as soon
      // as the worker came free if that was later (give or take the 0.2 ms step at which the test looks,
      // and the model's drift since the batch was sent).
      const latestStart = arrivedAt[batch.items[0]!]! + 20 - fullBatch
      expect(batch.at).toBeLessThanOrEqual(Math.max(latestStart, batch.workerFreeAt) + 0.5)
    }
  })

  it('refuses a call with no items, and fails (never hangs) a split call whose pieces cannot be put together', async () => {
    const { scheduler, executors } = setup({ config: { maxBatchSize: 2 } })
    await expect(scheduler.submit('run', rows())).rejects.toThrow(/holds no items along batchDim 0/)
    const split = scheduler.submit('run', tensor([3, 2]))
    await settle()
    const widths = [1, 2] // the runnable answers its two batches with outputs of different widths
    for (const width of widths) {
      executors[0]!.answer((x) => tensor([(x as Tensor).dims[0]!, width]))
      await settle()
    }
    await expect(split).rejects.toThrow(/compatib|key|merge/i)
  })

  it('fails calls stranded with no running worker, with the reason', async () => {
    const s = setup()
    s.setLive([])
    const stranded = s.scheduler.submit('run', rows(1))
    s.clock.advance(5_000)
    await expect(stranded).rejects.toThrow(WorkerLost)
    await expect(stranded).rejects.toThrow(/no running worker for 5000 ms: setup keeps failing/)
  })

  it('fails a batch waiting to run again when no worker comes back within strandedMs', async () => {
    const s = setup({ queuesFullBatch: true, config: { maxBatchSize: 2 } })
    const worker = s.executors[0]!
    const ran = s.scheduler.submit('run', rows(1))
    await settle()
    const queued = s.scheduler.submit('run', rows(2, 3))
    let refused = false
    queued.catch(() => (refused = true))
    await settle()
    s.setLive([])
    worker.held[0]!.reject(new WorkerLost('worker 0 exited'))
    worker.held[0]!.reject(new WorkerLost('worker 0 exited'))
    await expect(ran).rejects.toThrow(/worker 0 exited/)
    s.clock.advance(4_999)
    await settle()
    expect(refused).toBe(false) // it waits to run again
    s.clock.advance(1)
    await expect(queued).rejects.toThrow(/no running worker for 5000 ms: setup keeps failing/)
  })

  it('merges a call only with calls sharing its value for a shared input: the oldest group first, then the next', async () => {
    const { scheduler, executors } = setup({ method: { batchDim: [{ x: 0 }, { y: 0 }] } })
    const call = (value: number, k: number) => ({ x: tensor([1, 2], value), k: tensor([1], k) })
    // The one worker is busy, so the next three calls queue together behind it.
    const first = scheduler.submit('run', call(0, 9))
    await settle()
    const [a, b, c] = [call(10, 1), call(20, 2), call(30, 1)].map((input) => scheduler.submit('run', input))
    await settle()
    const answer = () =>
      executors[0]!.answer((input) => ({ y: (input as { x: Tensor }).x, echo: (input as { k: Tensor }).k }))
    answer()
    await first
    await settle()
    const second = executors[0]!.held[0]!.input as { x: Tensor<'float32'>; k: Tensor<'float32'> }
    expect(Array.from(second.x.data)).toEqual([10, 11, 30, 31]) // a and c, shared k = 1
    expect(Array.from(second.k.data)).toEqual([1])
    answer()
    await settle()
    expect(Array.from((executors[0]!.held[0]!.input as { k: Tensor<'float32'> }).k.data)).toEqual([2]) // then b
    answer()
    const answers = (await Promise.all([a, b, c])) as { y: Tensor<'float32'>; echo: Tensor<'float32'> }[]
    expect(answers.map((r) => [Array.from(r.y.data), Array.from(r.echo.data)])).toEqual([
      [[10, 11], [1]],
      [[20, 21], [2]],
      [[30, 31], [1]],
    ])
  })
})
