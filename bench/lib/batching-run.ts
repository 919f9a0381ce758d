// The batching benchmark's measurements, runtime-free: Node and Chromium run the same code.
import type { OnnxMethods, OnnxParams } from '../../src/onnx/runnable.js'
import type { Runner } from '../../src/runner/runner.js'
import type { Tensor } from '../../src/tensor/tensor.js'
import { afterIdle, closedLoop, offlineLoop } from './closed-loop.js'
import { quantile } from './stats.js'

/** How long the thread idles before each run of `directAfterIdleUs`: about a request's round trip over HTTP. */
export const IDLE_MS = 2

/**
 * How long each contender first runs before anything is measured: the runners at the most callers, the
 * direct run and the hand-written worker at one. A fresh runner at one caller spends thousands of calls in
 * code V8 has not optimised yet, and a server runs long past that.
 */
export const PREWARM_SECONDS = 2

export interface BatchingRow {
  readonly env: string
  readonly callers: number
  readonly batchedItemsPerS: number
  readonly unbatchedItemsPerS: number
  readonly offlineItemsPerS: number
  readonly batchedP50Ms: number
  readonly batchedP99Ms: number
  readonly unbatchedP50Ms: number
  readonly unbatchedP99Ms: number
  /** The batched runner again, its calls to its workers through shared memory rather than by message. */
  readonly sharedItemsPerS: number
  readonly sharedP50Ms: number
  readonly meanBatch: number
  readonly errors: number
  /** At 1 caller: the median call through the batched runner, and `session.run` of one item on the calling thread. */
  readonly oneCaller?: {
    readonly runnerUs: number
    readonly directUs: number
    /** `session.run` of one item on the calling thread with the runner's session options (threads that never spin). */
    readonly directRunnerOptionsUs: number
    readonly addedUs: number
    readonly sharedUs: number
    /** A session with the runner's options in a hand-written worker: one message each way, nothing else. */
    readonly handWorkerUs: number
    /** `session.run` of one item on the calling thread, each run after the thread idled IDLE_MS. */
    readonly directAfterIdleUs: number
  }
}

export interface BatchingSetup {
  readonly env: string
  readonly batched: Runner<OnnxParams, OnnxMethods>
  readonly unbatched: Runner<OnnxParams, OnnxMethods>
  /** The batched runner's twin whose calls to its workers go through shared memory (`sharedMemory: true`). */
  readonly shared: Runner<OnnxParams, OnnxMethods>
  /** One item, as each caller sends it. */
  readonly item: () => Record<string, Tensor>
  /** Runs the model directly on a full batch, with no serving in between. */
  readonly offlineBatch: () => Promise<unknown>
  /** Runs the model directly on one item on the calling thread: what a call at concurrency 1 would cost with no runner. */
  readonly directItem: () => Promise<unknown>
  /** The same with the runner's session options, whose idle threads never spin: the hand-written worker's baseline. */
  readonly directRunnerOptionsItem: () => Promise<unknown>
  /** Runs one item in a hand-written worker with the runner's session options: the worker hop with nothing of tiffin's. */
  readonly handWorkerItem: () => Promise<unknown>
  readonly maxBatchSize: number
}

/** Stops the benchmark when a baseline answers otherwise than the runner: a faster wrong answer measures nothing. */
export function checkSameOutput(baseline: Float32Array, runner: Float32Array, what: string): void {
  const worst = runner.reduce((m, v, i) => Math.max(m, Math.abs(v - (baseline[i] ?? NaN))), 0)
  if (baseline.length !== runner.length || !(worst <= 1e-4))
    throw new Error(`${what} answers otherwise than the runner (largest difference ${worst})`)
}

export async function measureBatching(
  setup: BatchingSetup,
  callerCounts: readonly number[],
  seconds: number,
  log: (line: string) => void,
): Promise<{ rows: BatchingRow[]; fullBatchMs: number }> {
  const offline = await offlineLoop(seconds, setup.maxBatchSize, setup.offlineBatch)
  log(
    `${setup.env}: offline ${Math.round(offline.itemsPerSecond)} items/s, ${offline.batchMs.toFixed(2)} ms a batch of ${setup.maxBatchSize}`,
  )
  const warmInput = setup.item()
  for (const runner of [setup.batched, setup.shared, setup.unbatched])
    await closedLoop(Math.max(...callerCounts), PREWARM_SECONDS, () => runner.run(warmInput), 0)
  await closedLoop(1, PREWARM_SECONDS, setup.directItem, 0)
  await closedLoop(1, PREWARM_SECONDS, setup.directRunnerOptionsItem, 0)
  await closedLoop(1, PREWARM_SECONDS, setup.handWorkerItem, 0)
  const direct = await closedLoop(1, seconds, setup.directItem)
  const directUs = quantile(direct.latenciesMs, 0.5) * 1000
  const directRunnerOptions = await closedLoop(1, seconds, setup.directRunnerOptionsItem)
  const directRunnerOptionsUs = quantile(directRunnerOptions.latenciesMs, 0.5) * 1000
  const directAfterIdleUs = (await afterIdle(setup.directItem, IDLE_MS)) * 1000
  log(
    `${setup.env}: session.run of one item on the calling thread, median ${directUs.toFixed(0)} µs back to back (${directRunnerOptionsUs.toFixed(0)} µs with the runner's session options), ${directAfterIdleUs.toFixed(0)} µs after ${IDLE_MS} ms idle`,
  )
  const hand = await closedLoop(1, seconds, setup.handWorkerItem)
  const handWorkerUs = quantile(hand.latenciesMs, 0.5) * 1000
  log(`${setup.env}: one item through a hand-written worker, median ${handWorkerUs.toFixed(0)} µs`)
  const rows: BatchingRow[] = []
  for (const callers of callerCounts) {
    const input = setup.item()
    const before = structuredClone(setup.batched.metrics()[0]!)
    const executions0 = before.executions
    const batched = await closedLoop(callers, seconds, () => setup.batched.run(input))
    const after = setup.batched.metrics()[0]!
    const shared = await closedLoop(callers, seconds, () => setup.shared.run(input))
    const unbatched = await closedLoop(callers, seconds, () => setup.unbatched.run(input))
    const row: BatchingRow = {
      env: setup.env,
      callers,
      batchedItemsPerS: batched.items / seconds,
      unbatchedItemsPerS: unbatched.items / seconds,
      offlineItemsPerS: offline.itemsPerSecond,
      batchedP50Ms: quantile(batched.latenciesMs, 0.5),
      batchedP99Ms: quantile(batched.latenciesMs, 0.99),
      unbatchedP50Ms: quantile(unbatched.latenciesMs, 0.5),
      unbatchedP99Ms: quantile(unbatched.latenciesMs, 0.99),
      sharedItemsPerS: shared.items / seconds,
      sharedP50Ms: quantile(shared.latenciesMs, 0.5),
      meanBatch: (after.batchSize.sum - before.batchSize.sum) / Math.max(1, after.executions - executions0),
      errors: batched.errors + unbatched.errors + shared.errors,
      ...(callers === 1 && {
        oneCaller: {
          runnerUs: quantile(batched.latenciesMs, 0.5) * 1000,
          directUs,
          directRunnerOptionsUs,
          addedUs: quantile(batched.latenciesMs, 0.5) * 1000 - directUs,
          sharedUs: quantile(shared.latenciesMs, 0.5) * 1000,
          handWorkerUs,
          directAfterIdleUs,
        },
      }),
    }
    const execMs = (after.executionMs.sum - before.executionMs.sum) / Math.max(1, after.executions - executions0)
    log(
      `${setup.env} ${callers} callers: ${execMs.toFixed(2)} ms a batch, round trip; sent because ${JSON.stringify(after.dispatchReasons)}`,
    )
    log(
      `${setup.env} ${callers} callers: batched ${Math.round(row.batchedItemsPerS)}/s (mean batch ${row.meanBatch.toFixed(1)}), unbatched ${Math.round(row.unbatchedItemsPerS)}/s`,
    )
    rows.push(row)
  }
  return { rows, fullBatchMs: offline.batchMs }
}
