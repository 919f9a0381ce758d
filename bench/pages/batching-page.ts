// The batching benchmark in Chromium: runners on WASM Web Workers, the offline limit in this page.
import * as ort from 'onnxruntime-web'
import { browserPlatform } from '../../src/adapters/browser/platform.js'
import { onnxRunner } from '../../src/onnx/models.js'
import { indexedDBStore } from '../../src/store/idb.js'
import { mlpModel } from '../../test/fixtures/models.js'
import { checkSameOutput, measureBatching } from '../lib/batching-run.js'

async function benchBatching(callers: number[], seconds: number, maxBatchSize: number, maxLatencyMs: number) {
  const model = mlpModel()
  const store = indexedDBStore({ database: `bench-${crypto.randomUUID()}` })
  await store.save('mlp', model.bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  const batched = onnxRunner('mlp', { maxBatchSize, maxLatencyMs, resource: 'wasm' })
  const unbatched = onnxRunner('mlp', { name: 'mlp-unbatched', batching: false, resource: 'wasm' })
  const shared = onnxRunner('mlp', {
    name: 'mlp-shared-memory',
    maxBatchSize,
    maxLatencyMs,
    resource: 'wasm',
    sharedMemory: true,
  })
  await Promise.all([
    batched.init({ platform: browserPlatform, store }),
    unbatched.init({ platform: browserPlatform, store }),
    shared.init({ platform: browserPlatform, store }),
  ])
  console.log(`chromium: ${batched.notes.join('; ')}; ${batched.placement?.reason}`)
  ort.env.wasm.numThreads = batched.placement?.threads ?? 1
  const session = await ort.InferenceSession.create(model.bytes, { executionProviders: ['wasm'] })
  // The runner's options: its idle threads never spin (as in the hand-written worker).
  const sessionRunnerOptions = await ort.InferenceSession.create(model.bytes, {
    executionProviders: ['wasm'],
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  })
  const x = model.sampleInputs(maxBatchSize).x!
  const feeds = { x: new ort.Tensor('float32', x.data as Float32Array, [...x.dims]) }
  const one = model.sampleInputs(1).x!
  const oneFeeds = { x: new ort.Tensor('float32', one.data as Float32Array, [...one.dims]) }
  const hand = await startHandWorker(model.bytes, batched.placement?.threads ?? 1)
  const reference = (await batched.run({ x: one })).y!.data as Float32Array
  checkSameOutput(await hand.run(one.data as Float32Array, one.dims), reference, 'The hand-written worker')
  try {
    return await measureBatching(
      {
        env: 'chromium',
        batched,
        unbatched,
        shared,
        item: () => model.sampleInputs(1),
        offlineBatch: () => session.run(feeds),
        directItem: () => session.run(oneFeeds),
        directRunnerOptionsItem: () => sessionRunnerOptions.run(oneFeeds),
        handWorkerItem: () => hand.run(one.data as Float32Array, one.dims),
        maxBatchSize,
      },
      callers,
      seconds,
      (line) => console.log(line),
    )
  } finally {
    hand.worker.terminate()
    await Promise.all([
      batched.shutdown(),
      unbatched.shutdown(),
      shared.shutdown(),
      session.release(),
      sessionRunnerOptions.release(),
    ])
  }
}

/** The hand-written worker (hand-worker.ts), one call at a time. */
async function startHandWorker(bytes: Uint8Array, threads: number) {
  const worker = new Worker(new URL('./hand-worker.ts', import.meta.url), { type: 'module' })
  let answer: ((output: Float32Array) => void) | undefined
  const ready = new Promise<unknown>((resolve) => (answer = resolve))
  worker.onmessage = ({ data: message }: MessageEvent<{ data: Float32Array }>) => answer?.(message.data)
  worker.postMessage({ bytes, threads })
  await ready
  return {
    worker,
    run: (data: Float32Array, dims: readonly number[]) =>
      new Promise<Float32Array>((resolve) => {
        answer = resolve
        worker.postMessage({ data: data.slice(), dims })
      }),
  }
}

declare global {
  interface Window {
    benchBatching: typeof benchBatching
    benchReady: boolean
  }
}
window.benchBatching = benchBatching
window.benchReady = true
