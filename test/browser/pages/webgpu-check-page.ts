// The checked warm-up on Chromium's software WebGPU adapter: a runner's choice of backend, and why, with
// one backend tampered with where a test needs it; and two runners sharing one thread on WebGPU.
import { browserPlatform } from '../../../src/adapters/browser/platform.js'
import { onnxRunner } from '../../../src/onnx/models.js'
import type { OnnxParams } from '../../../src/onnx/runnable.js'
import { Runner } from '../../../src/runner/runner.js'
import { indexedDBStore } from '../../../src/store/idb.js'
import { linearModel } from '../../fixtures/models.js'
import tampered, { type Tampering } from '../../fixtures/runnables/tampered-onnx.js'
import { difference } from '../../shared/difference.js'

async function storeWithLinear() {
  const store = indexedDBStore({ database: `webgpu-check-${crypto.randomUUID()}` })
  await store.save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  return store
}

/** Runs 20 calls of 1 to 5 rows and compares each with the reference; returns what was wrong. */
async function problemsOf(run: (x: Record<string, unknown>) => Promise<unknown>): Promise<string[]> {
  const model = linearModel()
  const calls = Array.from({ length: 20 }, (_, i) => model.sampleInputs(1 + (i % 5), 300 + i))
  const outputs = await Promise.all(calls.map((inputs) => run(inputs)))
  return calls
    .map((inputs, i) => difference(outputs[i] as never, model.reference(inputs)))
    .filter((p): p is string => Boolean(p))
}

const api = {
  /** A runner on the linear model, left to choose (or told how), with one backend tampered with or none. */
  async choose(options: { tamper?: Tampering; onnx?: OnnxParams; resource?: 'webgpu' | 'wasm'; local?: boolean }) {
    const store = await storeWithLinear()
    const common = { maxBatchSize: 8, ...(options.resource && { resource: options.resource }) }
    const runner = options.tamper
      ? new Runner(tampered, {
          name: 'linear',
          models: ['linear:latest'],
          runnableInitParams: { tamper: options.tamper, onnx: options.onnx },
          ...common,
        })
      : onnxRunner('linear:latest', { runnableInitParams: options.onnx ?? {}, ...common })
    const started = performance.now()
    try {
      await (options.local
        ? runner.initLocal({ platform: browserPlatform, store })
        : runner.init({ platform: browserPlatform, store }))
      const initMs = performance.now() - started
      return {
        backend: runner.backend,
        placement: runner.placement,
        notes: runner.notes,
        problems: await problemsOf((x) => runner.run(x as never)),
        initMs,
      }
    } catch (error) {
      return { error: (error as Error).message }
    } finally {
      await runner.shutdown()
    }
  },

  /** Two runners in this one thread on WebGPU, 500 calls at once between them. */
  async sharedThread() {
    const store = await storeWithLinear()
    const runners = ['first', 'second'].map((name) =>
      onnxRunner('linear:latest', { name, resource: 'webgpu', maxBatchSize: 8 }),
    )
    await Promise.all(runners.map((r) => r.initLocal({ platform: browserPlatform, store })))
    try {
      const model = linearModel()
      const calls = Array.from({ length: 500 }, (_, i) => model.sampleInputs(1 + (i % 3), 1000 + i))
      const outputs = await Promise.all(calls.map((inputs, i) => runners[i % 2]!.run(inputs as never)))
      const problems = calls
        .map((inputs, i) => difference(outputs[i] as never, model.reference(inputs)))
        .filter(Boolean)
      return {
        calls: outputs.length,
        problems,
        backends: runners.map((r) => r.backend?.resource),
        executions: runners.map((r) => r.metrics()[0]!.executions),
      }
    } finally {
      await Promise.all(runners.map((r) => r.shutdown()))
    }
  },
}

declare global {
  interface Window {
    webgpuCheckTest: typeof api
  }
}
window.webgpuCheckTest = api
