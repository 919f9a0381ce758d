import { batchDimProblem, describeAxes, splitBatchDim, type BatchDim } from '../batch-axes.js'
import { DEFAULTS } from '../defaults.js'
import { BadInput } from '../errors.js'
import { defineRunnable, RESOURCES, type Resource, type RunnableContext } from '../runner/runnable.js'
import { tagOf } from '../store/model-store.js'
import type { Tensor } from '../tensor/tensor.js'
import { checkNamedAxes } from './axes-check.js'
import { beforeDeadline, checkWebgpu, probeFeeds, type CheckResult } from './backend-check.js'
import { prepareFeeds, type Feeds } from './feeds.js'
import { batchedNames, padBatch, unpadOutputs, warmupFeeds } from './padding.js'
import { openOnnxSession, type OnnxSession, type OnnxSessionOptions } from './session.js'

export interface OnnxParams {
  /** Where to run: one resource, or `auto` (the default) for the worker's resource with fallbacks. */
  readonly resource?: Resource | 'auto'
  /** Batch sizes to run once during setup; on WebGPU by default powers of two up to the runner's maxBatchSize, elsewhere none. */
  readonly warmupBatchSizes?: readonly number[]
  /** The batch axis of inputs and outputs, or `[inputAxis, outputAxis]`; defaults to the model's `run` signature. */
  readonly batchDim?: BatchDim
  readonly sessionOptions?: OnnxSessionOptions
  /**
   * The checked warm-up on WebGPU (see the README): before serving on WebGPU the model runs on probe inputs
   * there and on WASM, and WASM is kept when WebGPU's outputs are off or it is slower. On by default with a
   * budget of 10 s; `false` skips it (WebGPU whenever an adapter exists). A forced `resource` skips it too.
   */
  readonly check?: false | { readonly budgetMs?: number }
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

/** How the batch travels through the model: its axes per input and output, from the runner or the model. */
function batchAxesOf(ctx: RunnableContext<OnnxParams>, session: OnnxSession, model: string) {
  // The axes the runner's batcher merges along win: padding must pad the same axis.
  const batching = ctx.batching.run
  const params = ctx.params ?? {}
  const batchDim = batching
    ? [batching.inputAxis, batching.outputAxis]
    : (params.batchDim ?? ctx.models[0]!.signatures.run?.batchDim ?? 0)
  const problem = batchDimProblem(batchDim)
  if (problem)
    throw new BadInput(
      `onnx ${model}: batchDim must be an axis, [inputAxis, outputAxis], or axes by tensor name; ${problem}`,
    )
  const [inAxes, outAxes] = splitBatchDim(batchDim as BatchDim)
  const { inputs, outputs } = session
  checkNamedAxes(inAxes, inputs, inputs, outputs, 'input', model)
  checkNamedAxes(outAxes, outputs, inputs, outputs, 'output', model)
  return { inAxes, batchedInputs: batchedNames(inputs, inAxes), batchedOutputs: batchedNames(outputs, outAxes) }
}

/**
 * Opens the session the runner will serve with. On WebGPU, unless the resource was forced or already
 * checked by an earlier worker, it is checked against WASM first (see backend-check.ts) and the loser is
 * released; `ctx.chose` tells the runner when the answer is WASM, so it places its workers for it.
 */
async function openChecked(ctx: RunnableContext<OnnxParams>, bytes: Uint8Array, model: string) {
  const params = ctx.params ?? {}
  const runtime = await ctx.onnxRuntime(preferenceOrder(params.resource, ctx.resource), ctx.threads)
  const check =
    (params.resource ?? 'auto') === 'auto' &&
    !ctx.resourceConfirmed &&
    params.check !== false &&
    runtime.executionProvider === 'webgpu'
  if (!check) {
    const session = await openOnnxSession(runtime, bytes, model, params.sessionOptions, ctx.threads)
    return { session, reason: runtime.reason, checked: undefined }
  }
  const wasmRuntime = await ctx.onnxRuntime(['wasm'], ctx.threads)
  const wasm = await openOnnxSession(wasmRuntime, bytes, model, params.sessionOptions, ctx.threads)
  const budgetMs = params.check?.budgetMs ?? DEFAULTS.webgpuCheckBudgetMs
  const started = performance.now()
  // The budget covers opening the session too: on a software adapter that can take minutes.
  const opening = openOnnxSession(runtime, bytes, model, params.sessionOptions, ctx.threads).catch(
    (error: unknown) => error as Error,
  )
  const webgpu = await beforeDeadline(opening, budgetMs)
  let result: CheckResult
  if (webgpu === undefined) {
    result = {
      resource: 'wasm',
      reason: `webgpu did not open its session within the check's ${budgetMs} ms budget`,
      warmed: [],
    }
    // Released once it opens; until then the runner serves on WASM.
    void opening.then((late) => (late instanceof Error ? undefined : late.release()))
  } else if (webgpu instanceof Error) {
    result = { resource: 'wasm', reason: `webgpu session creation failed: ${webgpu.message}`, warmed: [] }
  } else {
    const { batchedInputs } = batchAxesOf(ctx, wasm, model)
    const sizes = warmupSizes(params.warmupBatchSizes, true, ctx.batching.run?.maxBatchSize, model).slice(
      0,
      batchedInputs.size > 0 ? undefined : 1,
    )
    const probes = sizes.flatMap((batch, i) => {
      const feeds = probeFeeds(wasm.inputs, batchedInputs, batch, 1 + i)
      return feeds ? [{ batch, feeds }] : []
    })
    result = await checkWebgpu(webgpu, wasm, probes, budgetMs, started)
  }
  const keep = result.resource === 'webgpu' ? (webgpu as OnnxSession) : wasm
  const drop = result.resource === 'webgpu' ? wasm : webgpu
  // A WebGPU run the check gave up on may still be going: its session is released once it is done. A WASM
  // session is kept until shutdown when WebGPU wins: releasing it breaks WebGPU sessions in the same
  // onnxruntime-web instance ("no GPU data for input"), in onnxruntime-web 1.30.
  if (drop === wasm) ctx.onShutdown(() => wasm.release())
  else if (drop && !(drop instanceof Error)) void drop.release()
  const checked = { ...result, ms: Math.round(performance.now() - started) }
  if (result.resource === 'wasm') ctx.chose('wasm', result.reason)
  return {
    session: keep,
    reason: result.resource === 'webgpu' ? `${runtime.reason}; ${result.reason}` : `${result.reason}: using wasm`,
    checked,
  }
}

async function setup(ctx: RunnableContext<OnnxParams>): Promise<OnnxMethods> {
  const info = ctx.models[0]
  if (!info) throw new BadInput('The onnx runnable needs a model: give the runner models: ["name:version"]')
  const model = tagOf(info)
  const params = ctx.params ?? {}
  const { session, reason, checked } = await openChecked(ctx, await ctx.store.read(info), model)
  ctx.onShutdown(() => session.release())
  const { inputs } = session
  const { inAxes, batchedInputs, batchedOutputs } = batchAxesOf(ctx, session, model)
  // Only WebGPU compiles per shape; WASM and native CPU run any batch size at no extra cost.
  const gpu = session.runtime.executionProvider === 'webgpu'

  // A model whose batch axis is fixed has only one shape to warm up; the check already warmed its probes.
  const sizes = warmupSizes(params.warmupBatchSizes, gpu, ctx.batching.run?.maxBatchSize, model).slice(
    0,
    batchedInputs.size > 0 ? undefined : 1,
  )
  const warmed: number[] = gpu && checked ? [...checked.warmed] : []
  const notes: string[] = []
  const started = performance.now()
  for (const size of sizes.filter((n) => !warmed.includes(n))) {
    const feeds = warmupFeeds(inputs, batchedInputs, size)
    if (!feeds) {
      notes.push('no warm-up (the model does not declare its input shapes)')
      break
    }
    try {
      await session.run(feeds)
      warmed.push(size)
    } catch (error) {
      notes.push(`warm-up at batch ${size} failed (${(error as Error).message})`)
    }
  }
  warmed.sort((x, y) => x - y)
  if (warmed.length > 0)
    notes.unshift(`warmed up at batch ${warmed.join(', ')} in ${Math.round(performance.now() - started)} ms`)
  if (checked) notes.unshift(`checked webgpu against wasm in ${checked.ms} ms`)
  if (gpu && warmed.length > 0 && batchedInputs.size > 0)
    notes.push(`batches are padded to the next warmed size along axis ${describeAxes(inAxes)}`)
  if (params.sessionOptions?.intraOpSpinning) notes.push('idle intra-op threads spin')
  const { executionProvider, backend } = session.runtime
  ctx.report([`onnx ${model} on ${executionProvider} (${backend}): ${reason}`, ...notes].join('; '))

  return {
    run: async (feeds) => {
      const prepared = prepareFeeds(feeds, inputs, model)
      const padded = gpu ? padBatch(prepared, batchedInputs, warmed) : { feeds: prepared, padding: undefined }
      return unpadOutputs(await session.run(padded.feeds), batchedOutputs, padded.padding)
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
