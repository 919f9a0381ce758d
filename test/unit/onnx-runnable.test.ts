// The ONNX runnable set up directly in the test thread, on onnxruntime-node (cpu) and onnxruntime-web
// WASM in Node, with every output checked against the test models' plain-TypeScript references.
import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { Worker } from 'node:worker_threads'
import { beforeAll, describe, expect, it } from 'vitest'
import { BadInput, Corrupted } from '../../src/errors.js'
import { onnxModels, runnerOptionsFor } from '../../src/onnx/models.js'
import { nodeOnnxRuntime } from '../../src/adapters/node/onnx-runtime.js'
import { onnxRunnable, type OnnxMethods, type OnnxParams } from '../../src/onnx/runnable.js'
import type { Resource, RunnableContext } from '../../src/runner/runnable.js'
import { fileStore } from '../../src/store/fs.js'
import type { ModelInfo } from '../../src/store/manifest.js'
import type { ModelStore } from '../../src/store/model-store.js'
import type { Tensor } from '../../src/tensor/tensor.js'
import { batchAxis1Model, linearModel, mlpModel, twoInOutModel, type TestModel } from '../fixtures/models.js'

let store: ModelStore
beforeAll(async () => {
  store = fileStore(await mkdtemp(join(tmpdir(), 'tiffin-onnx-')))
})

async function save(model: TestModel, bytes: Uint8Array = model.bytes): Promise<ModelInfo> {
  return store.save(model.name, bytes, { signatures: { run: { batchable: true, batchDim: model.batchDim } } })
}

async function setUp(
  info: ModelInfo,
  resource: Resource,
  params: OnnxParams = {},
): Promise<{ methods: OnnxMethods; notes: string[] }> {
  const notes: string[] = []
  const context: RunnableContext<OnnxParams> = {
    params,
    models: [info],
    store,
    resource,
    resourceConfirmed: false,
    threads: 1,
    batching: {},
    onnxRuntime: nodeOnnxRuntime,
    report: (note) => notes.push(note),
    chose: () => undefined,
    onShutdown: () => undefined,
  }
  return { methods: await onnxRunnable.setup(context), notes }
}

/** Float outputs within abs 1e-4 + rel 1e-4 of the reference; integer outputs exactly equal. */
function expectMatches(actual: Record<string, Tensor>, expected: Record<string, Tensor>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name]!
    expect(got.dtype, name).toBe(want.dtype)
    expect(got.dims, name).toEqual(want.dims)
    expect(got.data.constructor, name).toBe(want.data.constructor)
    if (want.dtype === 'float32' || want.dtype === 'float64') {
      want.data.forEach((w, i) => {
        const g = got.data[i] as number
        if (Math.abs(g - (w as number)) > 1e-4 + 1e-4 * Math.abs(w as number))
          expect.fail(`${name}[${i}]: got ${g}, expected ${w}`)
      })
    } else {
      expect(Array.from(got.data as ArrayLike<number | bigint>), name).toEqual(
        Array.from(want.data as ArrayLike<number | bigint>),
      )
    }
  }
}

const models = [linearModel(), mlpModel(), twoInOutModel(), batchAxis1Model()]
const backends = [
  { resource: 'cpu', backend: 'onnxruntime-node' },
  { resource: 'wasm', backend: 'onnxruntime-web' },
] as const

for (const { resource, backend } of backends) {
  describe(`on ${resource} (${backend})`, () => {
    for (const model of models) {
      it(`runs ${model.name} at batch 1 and 4 and matches the reference`, async () => {
        const info = await save(model)
        const { methods, notes } = await setUp(info, resource)
        expect(notes).toHaveLength(1)
        expect(notes[0]).toContain(`onnx ${info.name}:${info.version} on ${resource} (${backend}): `)
        for (const batch of [1, 4]) {
          const inputs = model.sampleInputs(batch)
          expectMatches(await methods.run(inputs), model.reference(inputs))
        }
      })
    }
  })
}

describe('calls', () => {
  let linear: ModelInfo
  let twoInOut: ModelInfo
  beforeAll(async () => {
    linear = await save(linearModel())
    twoInOut = await save(twoInOutModel())
  })

  it('returns plain tensors that survive structured cloning', async () => {
    const { methods } = await setUp(linear, 'cpu')
    const out = await methods.run(linearModel().sampleInputs(2))
    expect(Object.getPrototypeOf(out.y)).toBe(Object.prototype)
    expect(out.y!.data.byteOffset).toBe(0)
    expect(out.y!.data.buffer.byteLength).toBe(out.y!.data.byteLength)
    expect(structuredClone(out)).toEqual(out)
  })

  it('takes a bare tensor for a one-input model', async () => {
    const model = linearModel()
    const { methods } = await setUp(linear, 'wasm')
    const inputs = model.sampleInputs(3)
    expectMatches(await methods.run(inputs.x!), model.reference(inputs))
  })

  it('refuses a wrong input name, naming the expected inputs', async () => {
    const { methods } = await setUp(linear, 'cpu')
    const call = methods.run({ input: linearModel().sampleInputs(1).x! })
    await expect(call).rejects.toThrow(BadInput)
    await expect(call).rejects.toThrow(
      `linear:${linear.version} has no input "input"; its inputs are x (float32 [N, 4])`,
    )
  })

  it('refuses wrong dims with the declared and the given dims', async () => {
    const { methods } = await setUp(linear, 'wasm')
    const call = methods.run({ x: { dtype: 'float32', dims: [2, 5], data: new Float32Array(10) } })
    await expect(call).rejects.toThrow(BadInput)
    await expect(call).rejects.toThrow(`input "x" of linear:${linear.version}: expected dims [N, 4], got [2, 5]`)
  })

  it('accepts float64 and int32 inputs and casts them to the declared float32 and int64', async () => {
    const model = twoInOutModel()
    const { methods } = await setUp(twoInOut, 'cpu')
    const inputs = model.sampleInputs(4)
    const a = inputs.a as Tensor<'float32'>
    const b = inputs.b as Tensor<'int64'>
    const out = await methods.run({
      a: { dtype: 'float64', dims: a.dims, data: Float64Array.from(a.data) },
      b: { dtype: 'int32', dims: b.dims, data: Int32Array.from(b.data, Number) },
    })
    expectMatches(out, model.reference(inputs))
  })

  it('refuses a float with a fraction for an int64 input', async () => {
    const { methods } = await setUp(twoInOut, 'wasm')
    const call = methods.run({ a: { dims: [1, 4], data: [1, 2, 3, 4] }, b: { dims: [1, 2], data: [1, 0.5] } })
    await expect(call).rejects.toThrow(BadInput)
    await expect(call).rejects.toThrow(
      'cannot convert a plain array to int64 without changing values (0.5 at index 1 is not an integer)',
    )
  })

  it('falls back from webgpu, which Node lacks, and says so', async () => {
    const { notes } = await setUp(linear, 'webgpu')
    expect(notes[0]).toMatch(
      /on cpu \(onnxruntime-node\): webgpu is not available in Node; native CPU, 1 intra-op thread/,
    )
  })

  it('warms up at the batch sizes it is given', async () => {
    const { notes } = await setUp(linear, 'cpu', { warmupBatchSizes: [4, 1] })
    expect(notes[0]).toMatch(/; warmed up at batch 1, 4 in \d+ ms$/)
  })
})

describe('onnxModels', () => {
  it('saves a model with its run signature and makes runners named after it that batch as it says', async () => {
    const models = onnxModels(store)
    const saved = await models.saveModel('axis1', batchAxis1Model().bytes, {
      signatures: { run: { batchable: true, batchDim: 1 } },
      labels: { team: 'ml' },
    })
    const model = await models.get('axis1:latest')
    expect(model.tag).toBe(saved.tag)
    expect(model.info.signatures.run).toEqual({ batchable: true, batchDim: [1, 1] })
    const runner = model.toRunner({ maxBatchSize: 16 })
    expect(runner.name).toBe('axis1')
    expect(runner.runnable).toBe(onnxRunnable)
    expect(runner.options).toMatchObject({
      models: [model.info],
      store,
      maxBatchSize: 16,
      methodConfigs: { run: { batchable: true, batchDim: [1, 1] } },
      runnableInitParams: { batchDim: [1, 1] },
    })
  })

  it('lets the runner options override the name, the batching and the params', () => {
    const info = {
      name: 'm',
      version: 'v1',
      format: 'onnx',
      signatures: { run: { batchable: true, batchDim: [0, 0] } },
    } as unknown as ModelInfo
    const options = runnerOptionsFor(info, store, {
      name: 'other',
      methodConfigs: { run: { batchable: false } },
      runnableInitParams: { resource: 'wasm' },
    })
    expect(options.name).toBe('other')
    expect(options.methodConfigs).toEqual({ run: { batchable: false, batchDim: [0, 0] } })
    expect(options.runnableInitParams).toEqual({ batchDim: [0, 0], resource: 'wasm' })
  })

  it('refuses signatures for methods an ONNX model does not have', async () => {
    const save = onnxModels(store).saveModel('x', linearModel().bytes, { signatures: { predict: {} } as never })
    await expect(save).rejects.toThrow('An ONNX model has one method, "run"; signatures name "predict"')
  })
})

describe('a bad model', () => {
  for (const { resource } of backends) {
    it(`fails setup on ${resource} with an error naming the model`, async () => {
      const junk = new TextEncoder().encode('this is not an ONNX model, only some text that happens to be here')
      const info = await store.save('junk', junk)
      const setup = setUp(info, resource)
      await expect(setup).rejects.toThrow(Corrupted)
      await expect(setup).rejects.toThrow(`junk:${info.version} is not a valid ONNX model`)
    })
  }

  it('fails setup when the model is truncated', async () => {
    const model = mlpModel({ inputSize: 8, width: 16, depth: 1, outputSize: 2 })
    const info = await store.save('truncated', model.bytes.subarray(0, model.bytes.length - 100))
    await expect(setUp(info, 'cpu')).rejects.toThrow(`truncated:${info.version}`)
  })
})

describe('nodeOnnxRuntime without onnxruntime-node', () => {
  it('falls back to onnxruntime-web WASM and says why', async () => {
    // A child process whose module resolution refuses onnxruntime-node, as in an install without it.
    const dir = await mkdtemp(join(tmpdir(), 'tiffin-no-ort-node-'))
    const hide = join(dir, 'hide.mjs')
    await writeFile(
      hide,
      `export async function resolve(specifier, context, next) {
        if (specifier !== 'onnxruntime-node') return next(specifier, context)
        throw Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' })
      }`,
    )
    await writeFile(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hide).href)})`,
    )
    const runtime = new URL('../../src/adapters/node/onnx-runtime.ts', import.meta.url).href
    const script = `
      import { nodeOnnxRuntime } from ${JSON.stringify(runtime)}
      const loaded = await nodeOnnxRuntime(['cpu'], 1)
      const bytes = Uint8Array.from(${JSON.stringify(Array.from(linearModel().bytes))})
      const session = await loaded.ort.InferenceSession.create(bytes, { executionProviders: [loaded.executionProvider] })
      const out = await session.run({ x: new loaded.ort.Tensor('float32', new Float32Array(8), [2, 4]) })
      console.log(JSON.stringify({ backend: loaded.backend, executionProvider: loaded.executionProvider, reason: loaded.reason, dims: out.y.dims }))`
    const root = fileURLToPath(new URL('../..', import.meta.url))
    const args = [
      '--import',
      'tsx',
      '--import',
      pathToFileURL(join(dir, 'register.mjs')).href,
      '--input-type=module',
      '-e',
      script,
    ]
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root })
    expect(JSON.parse(stdout)).toEqual({
      backend: 'onnxruntime-web',
      executionProvider: 'wasm',
      reason: 'onnxruntime-node is not installed: using WASM instead; WASM in Node, 1 thread',
      dims: [2, 3],
    })
  })
})

describe('in a worker_threads worker', () => {
  it('runs onnxruntime-web WASM with 2 threads and matches the reference', async () => {
    const model = mlpModel({ inputSize: 16, width: 64, depth: 2, outputSize: 4 })
    const inputs = model.sampleInputs(5)
    // The worker loads the TypeScript source through tsx's API (Node 20 does not pass loader hooks to workers).
    const dir = await mkdtemp(join(tmpdir(), 'tiffin-wasm-worker-'))
    const entry = join(dir, 'entry.mjs')
    const runtime = new URL('../../src/adapters/node/onnx-runtime.ts', import.meta.url).href
    await writeFile(
      entry,
      `import { parentPort, workerData } from 'node:worker_threads'
      import { tsImport } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}
      const { nodeOnnxRuntime } = await tsImport(${JSON.stringify(runtime)}, import.meta.url)
      const loaded = await nodeOnnxRuntime(['wasm'], 2)
      const session = await loaded.ort.InferenceSession.create(workerData.bytes, { executionProviders: ['wasm'] })
      const out = await session.run({ x: new loaded.ort.Tensor('float32', workerData.x.data, workerData.x.dims) })
      parentPort.postMessage({ reason: loaded.reason, numThreads: loaded.ort.env.wasm.numThreads, y: { dtype: 'float32', dims: out.y.dims, data: out.y.data } })`,
    )
    const worker = new Worker(entry, { workerData: { bytes: model.bytes, x: inputs.x } })
    const reply = await new Promise<{ reason: string; numThreads: number; y: Tensor }>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    expect(reply.reason).toBe('WASM in Node, 2 threads')
    expect(reply.numThreads).toBe(2) // onnxruntime-web resets it to 1 where threads do not work
    expectMatches({ y: reply.y }, model.reference(inputs))
  })
})
