// npm run bench:batching [-- --seconds N --only node|chromium]
// The MLP test model served by a runner with batching, the same runner with batching off, the batching
// runner again with its calls through shared memory, and the model run directly at maxBatchSize in a loop
// (the offline limit), at 1, 8, 64 and 256 concurrent callers, in Node (onnxruntime-node workers) and in
// Chromium (WASM Web Workers); at 1 caller also `session.run` of one item on the calling thread, and in a
// hand-written worker (one session, a message each way: bench/lib/hand-worker.ts).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { nodePlatform } from '../src/adapters/node/platform.js'
import { onnxRunner } from '../src/onnx/models.js'
import { fileStore } from '../src/store/fs.js'
import { mlpModel } from '../test/fixtures/models.js'
import { checkSameOutput, IDLE_MS, measureBatching, PREWARM_SECONDS, type BatchingRow } from './lib/batching-run.js'
import { runnerSessionOptions, startHandWorker } from './lib/hand-worker.js'
import { runInChromium } from './lib/chromium.js'
import { fmt, table } from './lib/stats.js'
import { lineChart } from './lib/svg-plot.js'

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, only: { type: 'string' }, workers: { type: 'string' } },
})
const workers = values.workers ? { workers: Number(values.workers) } : {}
const seconds = Number(values.seconds)
const CALLERS = [1, 8, 64, 256]
const MAX_BATCH_SIZE = 64
const MAX_LATENCY_MS = 100
const log = (line: string) => process.stderr.write(`${line}\n`)

async function node(): Promise<{ rows: BatchingRow[]; fullBatchMs: number }> {
  const model = mlpModel()
  const store = fileStore(await mkdtemp(join(tmpdir(), 'tiffin-bench-')))
  await store.save('mlp', model.bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  const batched = onnxRunner('mlp', { maxBatchSize: MAX_BATCH_SIZE, maxLatencyMs: MAX_LATENCY_MS, ...workers })
  const unbatched = onnxRunner('mlp', { name: 'mlp-unbatched', batching: false, ...workers })
  const shared = onnxRunner('mlp', {
    name: 'mlp-shared-memory',
    maxBatchSize: MAX_BATCH_SIZE,
    maxLatencyMs: MAX_LATENCY_MS,
    sharedMemory: true,
    ...workers,
  })
  await Promise.all([
    batched.init({ platform: nodePlatform, store }),
    unbatched.init({ platform: nodePlatform, store }),
    shared.init({ platform: nodePlatform, store }),
  ])
  log(`node: ${batched.notes.join('; ')}; ${batched.placement?.reason}`)
  const session = await ort.InferenceSession.create(model.bytes)
  const threads = batched.placement?.threads ?? 1
  const sessionRunnerOptions = await ort.InferenceSession.create(model.bytes, runnerSessionOptions(threads))
  const x = model.sampleInputs(MAX_BATCH_SIZE).x!
  const feeds = { x: new ort.Tensor('float32', x.data as Float32Array, [...x.dims]) }
  const one = model.sampleInputs(1).x!
  const oneFeeds = { x: new ort.Tensor('float32', one.data as Float32Array, [...one.dims]) }
  const hand = await startHandWorker(model.bytes, threads)
  checkSameOutput(
    await hand.run(one),
    (await batched.run({ x: one })).y!.data as Float32Array,
    'The hand-written worker',
  )
  try {
    return await measureBatching(
      {
        env: 'node',
        batched,
        unbatched,
        shared,
        item: () => model.sampleInputs(1),
        offlineBatch: () => session.run(feeds),
        directItem: () => session.run(oneFeeds),
        directRunnerOptionsItem: () => sessionRunnerOptions.run(oneFeeds),
        handWorkerItem: () => hand.run(one),
        maxBatchSize: MAX_BATCH_SIZE,
      },
      CALLERS,
      seconds,
      log,
    )
  } finally {
    await Promise.all([
      batched.shutdown(),
      unbatched.shutdown(),
      shared.shutdown(),
      session.release(),
      sessionRunnerOptions.release(),
      hand.close(),
    ])
  }
}

async function chromium(): Promise<{ rows: BatchingRow[]; fullBatchMs: number }> {
  return runInChromium('/bench/pages/batching.html', (page) =>
    page.evaluate(
      ({ callers, seconds, maxBatchSize, maxLatencyMs }) =>
        window.benchBatching(callers, seconds, maxBatchSize, maxLatencyMs),
      {
        callers: CALLERS,
        seconds,
        maxBatchSize: MAX_BATCH_SIZE,
        maxLatencyMs: MAX_LATENCY_MS,
      },
    ),
  )
}

const results: { rows: BatchingRow[]; fullBatchMs: number }[] = []
if (values.only !== 'chromium') results.push(await node())
if (values.only !== 'node') results.push(await chromium())
const rows = results.flatMap((r) => r.rows)

console.log(
  `\nBatching: MLP 256→3×1024→16, maxBatchSize ${MAX_BATCH_SIZE}, maxLatencyMs ${MAX_LATENCY_MS}, ${seconds} s a point, each contender first run for ${PREWARM_SECONDS} s`,
)
console.log(
  table(
    [
      'env',
      'callers',
      'batched/s',
      'unbatched/s',
      'shared mem/s',
      'offline/s',
      'vs unbatched',
      'vs offline',
      'mean batch',
      'p50 ms',
      'p99 ms',
      'unbatched p99',
      'errors',
    ],
    rows.map((r) => [
      r.env,
      String(r.callers),
      fmt(r.batchedItemsPerS, 0),
      fmt(r.unbatchedItemsPerS, 0),
      fmt(r.sharedItemsPerS, 0),
      fmt(r.offlineItemsPerS, 0),
      `${fmt(r.batchedItemsPerS / r.unbatchedItemsPerS, 2)}×`,
      `${fmt((100 * r.batchedItemsPerS) / r.offlineItemsPerS, 0)}%`,
      fmt(r.meanBatch, 1),
      fmt(r.batchedP50Ms, 2),
      fmt(r.batchedP99Ms, 2),
      fmt(r.unbatchedP99Ms, 2),
      String(r.errors),
    ]),
  ),
)

for (const r of rows.filter((row) => row.oneCaller))
  console.log(
    `${r.env}, 1 caller: ${fmt(r.oneCaller!.runnerUs, 0)} µs a call through the runner (${fmt(r.oneCaller!.sharedUs, 0)} µs through shared memory), ${fmt(r.oneCaller!.directUs, 0)} µs for session.run on the calling thread: ${fmt(r.oneCaller!.addedUs, 0)} µs added (target: at most 50); with the runner's session options (threads that never spin) session.run takes ${fmt(r.oneCaller!.directRunnerOptionsUs, 0)} µs, and a hand-written worker with them ${fmt(r.oneCaller!.handWorkerUs, 0)} µs, so the worker hop itself costs ${fmt(r.oneCaller!.handWorkerUs - r.oneCaller!.directRunnerOptionsUs, 0)} µs, tiffin’s part ${fmt(r.oneCaller!.runnerUs - r.oneCaller!.handWorkerUs, 0)} µs; session.run after ${IDLE_MS} ms idle takes ${fmt(r.oneCaller!.directAfterIdleUs, 0)} µs (${fmt(r.oneCaller!.directAfterIdleUs / r.oneCaller!.directUs, 1)}× back to back)`,
  )

await mkdir(new URL('./results/', import.meta.url), { recursive: true })
for (const env of [...new Set(rows.map((r) => r.env))]) {
  const of = rows.filter((r) => r.env === env)
  const svg = lineChart(
    `Batching in ${env}: items per second`,
    of.map((r) => String(r.callers)),
    'items / s',
    [
      { label: 'batched', color: '#2f7d4f', values: of.map((r) => r.batchedItemsPerS) },
      { label: 'unbatched', color: '#c0392b', values: of.map((r) => r.unbatchedItemsPerS) },
      { label: 'offline limit', color: '#555', dashed: true, values: of.map((r) => r.offlineItemsPerS) },
    ],
  )
  const path = new URL(`./results/batching-${env}.svg`, import.meta.url)
  await writeFile(path, svg)
  log(`wrote ${path.pathname}`)
}

// One line per environment: the 1-caller cost over session.run, and 64 callers against the offline limit.
for (const result of results) {
  const one = result.rows.find((r) => r.oneCaller)
  const at64 = result.rows.find((r) => r.callers === 64)
  if (!one || !at64) continue
  console.log(
    JSON.stringify({
      bench: 'batching',
      env: at64.env,
      one_caller_us: Math.round(one.oneCaller!.runnerUs),
      one_caller_shared_memory_us: Math.round(one.oneCaller!.sharedUs),
      direct_us: Math.round(one.oneCaller!.directUs),
      direct_runner_options_us: Math.round(one.oneCaller!.directRunnerOptionsUs),
      one_caller_added_us: Math.round(one.oneCaller!.addedUs),
      hand_worker_us: Math.round(one.oneCaller!.handWorkerUs),
      direct_after_idle_us: Math.round(one.oneCaller!.directAfterIdleUs),
      callers: 64,
      batched_items_per_s: Math.round(at64.batchedItemsPerS),
      shared_memory_items_per_s: Math.round(at64.sharedItemsPerS),
      unbatched_items_per_s: Math.round(at64.unbatchedItemsPerS),
      offline_items_per_s: Math.round(at64.offlineItemsPerS),
      p99_ms: Number(at64.batchedP99Ms.toFixed(2)),
      max_latency_ms: MAX_LATENCY_MS,
      full_batch_ms: Number(result.fullBatchMs.toFixed(2)),
      vs_offline: Number((at64.batchedItemsPerS / at64.offlineItemsPerS).toFixed(3)),
    }),
  )
}
