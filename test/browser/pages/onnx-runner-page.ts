// ONNX runners over two real Web Workers each, models in IndexedDB, outputs checked against the references.
import { browserPlatform } from '../../../src/adapters/browser/platform.js'
import { onnxRunner } from '../../../src/onnx/models.js'
import type { Resource } from '../../../src/runner/runnable.js'
import { indexedDBStore } from '../../../src/store/idb.js'
import { batchAxis1Model, linearModel, mlpModel, twoInOutModel } from '../../fixtures/models.js'
import { difference } from '../../shared/difference.js'

const api = {
  async runModels(resource: Resource) {
    const store = indexedDBStore({ database: `onnx-runner-${crypto.randomUUID()}` })
    const results = []
    for (const model of [
      linearModel(),
      mlpModel({ inputSize: 16, width: 32, depth: 2, outputSize: 4 }),
      twoInOutModel(),
      batchAxis1Model(),
    ]) {
      await store.save(model.name, model.bytes, { signatures: { run: { batchable: true, batchDim: model.batchDim } } })
      const runner = onnxRunner(`${model.name}:latest`, { workers: 2, resource, maxBatchSize: 4 })
      try {
        await runner.init({ platform: browserPlatform, store })
        const calls = [1, 3, 2, 1, 6, 2].map((batch, i) => model.sampleInputs(batch, 50 + i))
        const outputs = await Promise.all(calls.map((inputs) => runner.run(inputs)))
        const problems = calls.map((inputs, i) => difference(outputs[i]!, model.reference(inputs))).filter(Boolean)
        const metrics = runner.metrics()[0]!
        results.push({
          model: model.name,
          placement: runner.placement,
          notes: runner.notes,
          problems,
          items: metrics.items,
          executions: metrics.executions,
        })
      } catch (error) {
        results.push({ model: model.name, error: `${(error as Error).name}: ${(error as Error).message}` })
      } finally {
        await runner.shutdown()
      }
    }
    return results
  },
}

declare global {
  interface Window {
    onnxRunnerTest: typeof api
  }
}
window.onnxRunnerTest = api
