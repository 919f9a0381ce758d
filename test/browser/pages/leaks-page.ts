// 100,000 calls through a runner on a Web Worker, for leaks.spec.ts: what the page, the worker and its
// GPU hold, after a first round and again after the rest, and after shutdown.
import { browserPlatform } from '../../../src/adapters/browser/platform.js'
import type { OnnxParams } from '../../../src/onnx/runnable.js'
import type { Resource } from '../../../src/runner/runnable.js'
import { liveCounts } from '../../../src/runner/live-counts.js'
import { Runner } from '../../../src/runner/runner.js'
import { indexedDBStore } from '../../../src/store/idb.js'
import gpuCountedOnnx, { type GpuCountedMethods } from '../../fixtures/runnables/gpu-counted-onnx.js'
import { linearModel } from '../../fixtures/models.js'
import { linearLoad } from '../../shared/linear-load.js'

async function holdings(runner: Runner<OnnxParams, GpuCountedMethods>) {
  return { here: liveCounts(), runner: await runner.stats(), gpuBuffers: await runner.methods.gpuBuffers.run(null) }
}

const api = {
  async leakCheck(resource: Resource, calls: number) {
    const store = indexedDBStore({ database: `leaks-${crypto.randomUUID()}` })
    await store.save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
    const before = liveCounts()
    const runner = new Runner(gpuCountedOnnx, {
      models: ['linear:latest'],
      store,
      platform: browserPlatform,
      resource,
      workers: 1,
      maxBatchSize: 64,
    })
    await runner.init()
    const load = (count: number, first: number) =>
      linearLoad((x, signal) => runner.methods.run.run({ x }, { signal }), count, 1000, first)
    const warmUp = await load(2000, 0)
    const started = await holdings(runner)
    const report = await load(calls, 2000)
    const ended = await holdings(runner)
    const metrics = runner.metrics().find((m) => m.method === 'run')!
    await runner.shutdown()
    return {
      before,
      warmUp,
      started,
      report,
      ended,
      items: metrics.items,
      batches: metrics.executions,
      notes: runner.notes,
      afterShutdown: liveCounts(),
    }
  },
}

declare global {
  interface Window {
    leakTest: typeof api
  }
}
window.leakTest = api
