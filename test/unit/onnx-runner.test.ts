import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { onnxModels, onnxRunner } from '../../src/onnx/models.js'
import type { Runner } from '../../src/runner/runner.js'
import { fileStore } from '../../src/store/fs.js'
import type { Tensor } from '../../src/tensor/tensor.js'
import { allTestModels, linearModel, mlpModel, type TestModel } from '../fixtures/models.js'
import { expectClose } from '../support/compare.js'

const runners: Runner[] = []
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.shutdown()))
})

async function storeWith(models: TestModel[]) {
  const store = fileStore(await mkdtemp(join(tmpdir(), 'tiffin-onnx-runner-')))
  for (const m of models)
    await store.save(m.name, m.bytes, { signatures: { run: { batchable: true, batchDim: m.batchDim } } })
  return store
}

describe('ONNX runners over worker_threads', () => {
  for (const resource of ['cpu', 'wasm'] as const) {
    it(`run every test model on two ${resource} workers, matching the reference for concurrent calls`, async () => {
      const models = [
        linearModel(),
        mlpModel({ inputSize: 16, width: 32, depth: 2, outputSize: 4 }),
        ...allTestModels().slice(2),
      ]
      const store = await storeWith(models)
      for (const model of models) {
        const runner = (await onnxModels(store).get(`${model.name}:latest`)).toRunner({
          platform: nodePlatform,
          workers: 2,
          resource,
          maxBatchSize: 8,
        })
        runners.push(runner as Runner)
        await runner.init()
        expect(runner.placement).toMatchObject({ workers: 2, resource })
        expect(runner.notes.join('\n')).toContain(resource === 'cpu' ? 'onnxruntime-node' : 'onnxruntime-web')
        const calls = [1, 3, 2, 5, 1, 4, 2, 1, 12].map((batch, i) => model.sampleInputs(batch, 100 + i))
        const outputs = await Promise.all(calls.map((inputs) => runner.run(inputs)))
        calls.forEach((inputs, i) => expectClose(outputs[i]!, model.reference(inputs), `${model.name} call ${i}`))
        const metrics = runner.metrics()[0]!
        expect(metrics.items).toBe(31)
        expect(metrics.executions).toBeLessThan(calls.length + 1) // batched: fewer executions than calls (12 items split in 2)
      }
    })
  }

  for (const resource of ['cpu', 'wasm'] as const) {
    it(`with intraOpSpinning on ${resource}, answers as the reference and says its threads spin; a value that is not a boolean stops init`, async () => {
      const model = mlpModel({ inputSize: 16, width: 32, depth: 2, outputSize: 4 })
      const store = await storeWith([model])
      const spinning = onnxRunner(model.name, {
        workers: 1,
        resource,
        runnableInitParams: { sessionOptions: { intraOpSpinning: true } },
      })
      runners.push(spinning as Runner)
      await spinning.init({ platform: nodePlatform, store })
      expect(spinning.notes.join('\n')).toContain('idle intra-op threads spin')
      const calls = [1, 4, 2].map((batch, i) => model.sampleInputs(batch, 7 + i))
      const outputs = await Promise.all(calls.map((inputs) => spinning.run(inputs)))
      calls.forEach((inputs, i) => expectClose(outputs[i]!, model.reference(inputs), `call ${i}`))
      const wrong = onnxRunner(model.name, {
        workers: 1,
        resource,
        runnableInitParams: { sessionOptions: { intraOpSpinning: 'yes' as unknown as boolean } },
      })
      runners.push(wrong as Runner)
      await expect(wrong.init({ platform: nodePlatform, store })).rejects.toThrow(
        /sessionOptions\.intraOpSpinning must be true or false, got "yes"/,
      )
    })
  }

  it('a runner named by tag resolves its model, and its batching, from the store when it starts', async () => {
    const model = linearModel()
    const store = await storeWith([model])
    const runner = onnxRunner('linear:latest', { maxBatchSize: 4 })
    runners.push(runner as Runner)
    expect(runner.name).toBe('linear')
    await runner.init({ platform: nodePlatform, store })
    expect(runner.batchingConfig('run', [], [await store.get('linear')])).toMatchObject({
      batchable: true,
      maxBatchSize: 4,
    })
    const inputs = model.sampleInputs(10, 3)
    expectClose(await runner.run(inputs), model.reference(inputs), 'split across batches of 4')
  })

  it('refuses a model that is not in the store, and bad inputs, with clear errors', async () => {
    const store = await storeWith([linearModel()])
    await expect(onnxRunner('missing:latest').init({ platform: nodePlatform, store })).rejects.toThrow(
      /Runner "missing" cannot load model "missing:latest"/,
    )
    const runner = onnxRunner('linear', { workers: 1 })
    runners.push(runner as Runner)
    await runner.init({ platform: nodePlatform, store })
    const wrong: Tensor = { dtype: 'float32', dims: [2, 5], data: new Float32Array(10) }
    await expect(runner.run({ x: wrong })).rejects.toThrow(
      /input "x" of linear:\w+: expected dims \[N, 4\], got \[2, 5\]/,
    )
  })
})
