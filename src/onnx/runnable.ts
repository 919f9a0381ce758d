import type * as ort from 'onnxruntime-common'
import { batchDimProblem, describeAxes, splitBatchDim, type BatchDim } from '../batch-axes.js'
import { DEFAULTS } from '../defaults.js'
import { BadInput, TiffinError } from '../errors.js'
import { defineRunnable, RESOURCES, type Resource, type RunnableContext } from '../runner/runnable.js'
import { tagOf } from '../store/model-store.js'
import type { Tensor } from '../tensor/tensor.js'
import { checkNamedAxes } from './axes-check.js'
import { prepareFeeds, type Feeds } from './feeds.js'
import { fromOrtTensor, ioSpecs, toOrtTensor } from './ort-tensors.js'
import { batchedNames, padBatch, unpadOutputs, warmupFeeds } from './padding.js'
import { openSession, releaseSession, serialQueue, type OnnxSessionOptions } from './session.js'

export interface OnnxParams {
  /** Where to run: one resource, or `auto` (the default) for the worker's resource with fallbacks. */
  readonly resource?: Resource | 'auto'
  /** Batch sizes to run once during setup; on WebGPU by default powers of two up to the runner's maxBatchSize, elsewhere none. */
  readonly warmupBatchSizes?: readonly number[]
  /** The batch axis of inputs and outputs, or `[inputAxis, outputAxis]`; defaults to the model's `run` signature. */
  readonly batchDim?: BatchDim
  readonly sessionOptions?: OnnxSessionOptions
}

export type OnnxMethods = {
  /** Runs the model on inputs keyed by name (or one bare tensor for a one-input model); returns every output. */
  run(feeds: Feeds): Promise<Record<string, Tensor>>
}

/** After the worker's own resource, the best fallbacks first (`cpu` means WASM where no native runtime exists). */
const FALLBACK_ORDER: readonly Resource[] = ['webgpu', 'cpu', 'wasm']

export function preferenceOrder(requested: Resource | 'auto' | undefined, workerResource: Resource): Resource[] {
  if (requested !== undefined && requested !== 'auto') {
    if (!RESOURCES.includes(requested))
      throw new BadInput(`onnx: resource must be "auto" or one of ${RESOURCES.join(', ')}, got "${String(requested)}"`)
    return [requested]
  }
  return [workerResource, ...FALLBACK_ORDER.filter((r) => r !== workerResource)]
}

/** Powers of two up to the runner's largest batch, so any batch pads to at most twice its size. */
function powersOfTwoUpTo(max: number): number[] {
  const sizes = [1]
  while (sizes.at(-1)! < max) sizes.push(Math.min(max, sizes.at(-1)! * 2))
  return sizes
}

function warmupSizes(
  given: readonly number[] | undefined,
  gpu: boolean,
  maxBatchSize: number | undefined,
  model: string,
): readonly number[] {
  if (given === undefined)
    return gpu ? (maxBatchSize ? powersOfTwoUpTo(maxBatchSize) : DEFAULTS.webgpuWarmupBatchSizes) : []
  if (!Array.isArray(given) || !given.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new BadInput(
      `onnx ${model}: warmupBatchSizes must be whole numbers of at least 1, got ${JSON.stringify(given)}`,
    )
  }
  return [...new Set(given)].sort((a, b) => a - b)
}

async function setup(ctx: RunnableContext<OnnxParams>): Promise<OnnxMethods> {
  const info = ctx.models[0]
  if (!info) throw new BadInput('The onnx runnable needs a model: give the runner models: ["name:version"]')
  const model = tagOf(info)
  const params = ctx.params ?? {}
  const runtime = await ctx.onnxRuntime(preferenceOrder(params.resource, ctx.resource), ctx.threads)
  const session = await openSession(runtime, await ctx.store.read(info), model, params.sessionOptions, ctx.threads)
  const queue = serialQueue()
  // Behind the run in progress, if any: a session must not be released under a run.
  ctx.onShutdown(() => queue(() => releaseSession(session)))
  const inputs = ioSpecs(session.inputMetadata, 'input', model)
  const outputs = ioSpecs(session.outputMetadata, 'output', model)
  // The axes the runner's batcher merges along win: padding must pad the same axis.
  const batching = ctx.batching.run
  const batchDim = batching
    ? [batching.inputAxis, batching.outputAxis]
    : (params.batchDim ?? info.signatures.run?.batchDim ?? 0)
  const problem = batchDimProblem(batchDim)
  if (problem)
    throw new BadInput(
      `onnx ${model}: batchDim must be an axis, [inputAxis, outputAxis], or axes by tensor name; ${problem}`,
    )
  const [inAxes, outAxes] = splitBatchDim(batchDim as BatchDim)
  checkNamedAxes(inAxes, inputs, inputs, outputs, 'input', model)
  checkNamedAxes(outAxes, outputs, inputs, outputs, 'output', model)
  const batchedInputs = batchedNames(inputs, inAxes)
  const batchedOutputs = batchedNames(outputs, outAxes)
  // Only WebGPU compiles per shape; WASM and native CPU run any batch size at no extra cost.
  const gpu = runtime.executionProvider === 'webgpu'

  const execute = async (feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> => {
    const ortFeeds: Record<string, ort.Tensor> = {}
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(runtime.ort, t)
    let results: ort.InferenceSession.ReturnType
    try {
      results = await session.run(ortFeeds)
    } catch (error) {
      throw new TiffinError(
        `${model}: ${runtime.backend} failed to run the model: ${(error as Error).message ?? String(error)}`,
        { cause: error },
      )
    }
    const tensors: Record<string, Tensor> = {}
    try {
      for (const spec of outputs) tensors[spec.name] = fromOrtTensor(results[spec.name]!, spec.name, model)
    } finally {
      // ORT's outputs hold native or GPU memory until disposed, whatever happened while copying them out.
      for (const value of Object.values(results)) value.dispose()
    }
    return tensors
  }

  // A model whose batch axis is fixed has only one shape to warm up.
  const sizes = warmupSizes(params.warmupBatchSizes, gpu, ctx.batching.run?.maxBatchSize, model).slice(
    0,
    batchedInputs.size > 0 ? undefined : 1,
  )
  const warmed: number[] = []
  const notes: string[] = []
  const started = performance.now()
  for (const size of sizes) {
    const feeds = warmupFeeds(inputs, batchedInputs, size)
    if (!feeds) {
      notes.push('no warm-up (the model does not declare its input shapes)')
      break
    }
    try {
      await execute(feeds)
      warmed.push(size)
    } catch (error) {
      notes.push(`warm-up at batch ${size} failed (${(error as Error).message})`)
    }
  }
  if (warmed.length > 0)
    notes.unshift(`warmed up at batch ${warmed.join(', ')} in ${Math.round(performance.now() - started)} ms`)
  if (gpu && warmed.length > 0 && batchedInputs.size > 0)
    notes.push(`batches are padded to the next warmed size along axis ${describeAxes(inAxes)}`)
  ctx.report(
    [`onnx ${model} on ${runtime.executionProvider} (${runtime.backend}): ${runtime.reason}`, ...notes].join('; '),
  )

  return {
    run: async (feeds) => {
      const prepared = prepareFeeds(feeds, inputs, model)
      return queue(async () => {
        const padded = gpu ? padBatch(prepared, batchedInputs, warmed) : { feeds: prepared, padding: undefined }
        return unpadOutputs(await execute(padded.feeds), batchedOutputs, padded.padding)
      })
    },
  }
}

/** The pre-built runnable for one ONNX model: `models: [tag]`, one method `run`. */
export const onnxRunnable = defineRunnable<OnnxParams, OnnxMethods>({
  name: 'onnx',
  module: import.meta.url,
  exportName: 'onnxRunnable',
  resources: ['webgpu', 'wasm', 'cpu'],
  // ONNX Runtime spreads one run over threads itself: one worker with every core serves best by default.
  multiThreaded: true,
  methods: { run: { batchable: false } },
  // Whether `run` batches, and along which axes, is the model's to say (its signature in the store).
  methodsFromModels: (models) => {
    const run = models[0]?.signatures.run
    return run ? { run: { batchable: run.batchable, batchDim: run.batchDim } } : {}
  },
  setup,
})
