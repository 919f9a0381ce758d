// Runs the ONNX runnable in the page's main thread on onnxruntime-web (WASM or WebGPU), with models saved
// in IndexedDB, and checks every output against the test models' plain-TypeScript references.
import { browserOnnxRuntime } from '../../../src/adapters/web/onnx-runtime.js'
import { onnxRunnable, type OnnxParams } from '../../../src/onnx/runnable.js'
import type { Resource } from '../../../src/runner/runnable.js'
import { indexedDBStore } from '../../../src/store/idb.js'
import { tagOf } from '../../../src/store/model-store.js'
import { batchAxis1Model, linearModel, mlpModel, twoInOutModel } from '../../fixtures/models.js'
import { difference } from '../../shared/difference.js'
import type { Tensor } from '../../../src/tensor/tensor.js'

export interface ModelResult {
  readonly model: string
  /** The runnable's setup note: backend, reason, warm-up. */
  readonly note: string
  readonly setupMs: number
  /** One line per batch size: '' when it matched the reference, else the first difference or the error. */
  readonly checks: Record<number, string>
  /** Mean time of one `run` at the largest batch size, after the checks. */
  readonly msPerRun: number
}

async function runModels(resource: Resource, batches: number[]): Promise<ModelResult[]> {
  const store = indexedDBStore({ database: `onnx-${crypto.randomUUID()}` })
  const results: ModelResult[] = []
  for (const model of [linearModel(), mlpModel(), twoInOutModel(), batchAxis1Model()]) {
    const info = await store.save(model.name, model.bytes, {
      signatures: { run: { batchable: true, batchDim: model.batchDim } },
    })
    const notes: string[] = []
    const cleanups: (() => Promise<void> | void)[] = []
    const started = performance.now()
    const methods = await onnxRunnable.setup({
      params: { resource } satisfies OnnxParams,
      models: [info],
      store,
      resource,
      resourceConfirmed: true,
      threads: 2,
      batching: { run: { maxBatchSize: 8, inputAxis: model.batchDim, outputAxis: model.batchDim } },
      onnxRuntime: browserOnnxRuntime,
      report: (note) => notes.push(note),
      chose: () => undefined,
      onShutdown: (cleanup) => void cleanups.push(cleanup),
    })
    const setupMs = performance.now() - started
    const checks: Record<number, string> = {}
    for (const batch of batches) {
      const inputs = model.sampleInputs(batch)
      try {
        checks[batch] = difference(await methods.run(inputs), model.reference(inputs))
      } catch (error) {
        checks[batch] = `${(error as Error).name}: ${(error as Error).message}`
      }
    }
    const inputs = model.sampleInputs(Math.max(...batches))
    const runs = 20
    const timed = performance.now()
    for (let i = 0; i < runs; i++) await methods.run(inputs)
    for (const cleanup of cleanups) await cleanup()
    results.push({
      model: tagOf(info),
      note: notes.join(' | '),
      setupMs,
      checks,
      msPerRun: (performance.now() - timed) / runs,
    })
  }
  return results
}

/**
 * Sets the runnable up inside a module Web Worker (as the worker host will) and runs each model once
 * there; the outputs come back by postMessage and are compared here. The worker imports the sources by
 * URL from the Vite dev server, so this works only under `vite` (as the tests run).
 */
async function runInWorker(
  resource: Resource,
  batch: number,
): Promise<{ model: string; note: string; check: string }[]> {
  const database = `onnx-worker-${crypto.randomUUID()}`
  const store = indexedDBStore({ database })
  const source = `
    import { browserOnnxRuntime } from '${location.origin}/src/adapters/web/onnx-runtime.ts'
    import { onnxRunnable } from '${location.origin}/src/onnx/runnable.ts'
    import { indexedDBStore } from '${location.origin}/src/store/idb.ts'
    onmessage = async ({ data }) => {
      try {
        const store = indexedDBStore({ database: data.database })
        const notes = []
        const methods = await onnxRunnable.setup({ params: {}, models: [await store.get(data.tag)], store, resource: data.resource,
          resourceConfirmed: true, threads: 2, batching: {}, onnxRuntime: browserOnnxRuntime, report: (note) => notes.push(note), chose: () => {}, onShutdown: () => {} })
        postMessage({ note: notes.join(' | '), outputs: await methods.run(data.inputs) })
      } catch (error) {
        postMessage({ error: String(error && error.stack || error) })
      }
    }`
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
  const results: { model: string; note: string; check: string }[] = []
  for (const model of [linearModel(), twoInOutModel(), batchAxis1Model()]) {
    const info = await store.save(model.name, model.bytes, {
      signatures: { run: { batchable: true, batchDim: model.batchDim } },
    })
    const worker = new Worker(url, { type: 'module' })
    const inputs = model.sampleInputs(batch)
    const reply = await new Promise<{ note?: string; outputs?: Record<string, Tensor>; error?: string }>((resolve) => {
      worker.onmessage = (event) => resolve(event.data)
      worker.onerror = (event) => resolve({ error: event.message || 'the worker failed to load' })
      worker.onmessageerror = () => resolve({ error: 'the worker sent a message that could not be read' })
      worker.postMessage({ database, tag: tagOf(info), resource, inputs })
    })
    worker.terminate()
    const check =
      reply.error ??
      (reply.outputs ? difference(reply.outputs, model.reference(inputs)) : `no outputs in ${JSON.stringify(reply)}`)
    results.push({ model: tagOf(info), note: reply.note ?? '', check })
  }
  URL.revokeObjectURL(url)
  return results
}

const api = { runModels, runInWorker }

declare global {
  interface Window {
    tiffinOnnx: typeof api
  }
}
window.tiffinOnnx = api
