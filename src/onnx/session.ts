import type * as ort from 'onnxruntime-common'
import { Corrupted, TiffinError, Unsupported } from '../errors.js'
import { countLive } from '../runner/live-counts.js'
import type { LoadedOnnxRuntime } from '../runner/platform.js'
import type { Tensor } from '../tensor/tensor.js'
import type { IoSpec } from './feeds.js'
import { fromOrtTensor, ioSpecs, toOrtTensor } from './ort-tensors.js'

/** The few ORT session options a runner may set; everything else is decided by tiffin. */
export interface OnnxSessionOptions {
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all'
  /** Fixes symbolic dims (`{ N: 1 }`): lets WebGPU compile once when a model is only ever called one way. */
  readonly freeDimensionOverrides?: Readonly<Record<string, number>>
  /** 0 verbose … 4 fatal; tiffin's default is 3 (errors). */
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4
  /**
   * Lets ONNX Runtime's idle intra-op threads spin between and within runs instead of sleeping (its own
   * default; off in tiffin). A run then starts without waking them: faster when the cores are otherwise
   * idle, slower when they are not, as the spinning threads take the cores the serving thread needs.
   */
  readonly intraOpSpinning?: boolean
}

/**
 * Creates the session on the runtime's execution provider, turning load failures into errors that name
 * the model: bytes that are not ONNX are Corrupted, anything else the runtime refuses is Unsupported.
 */
export async function openSession(
  runtime: LoadedOnnxRuntime,
  bytes: Uint8Array,
  model: string,
  options: OnnxSessionOptions | undefined,
  threads: number,
): Promise<ort.InferenceSession> {
  const { intraOpSpinning = false, ...ortOptions } = options ?? {}
  if (typeof intraOpSpinning !== 'boolean')
    throw new TypeError(
      `${model}: sessionOptions.intraOpSpinning must be true or false, got ${JSON.stringify(intraOpSpinning)}`,
    )
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    // Errors only by default: WebGPU sessions otherwise warn on every load that shape ops run on the CPU.
    logSeverityLevel: 3,
    ...ortOptions,
    ...(ortOptions.freeDimensionOverrides && { freeDimensionOverrides: { ...ortOptions.freeDimensionOverrides } }),
    executionProviders: [runtime.executionProvider],
    // onnxruntime-node reads this; onnxruntime-web takes its threads from env.wasm.numThreads (set by the loader).
    intraOpNumThreads: threads,
    // Outputs are copied out and posted to other threads, so WebGPU must hand them back in CPU memory.
    preferredOutputLocation: 'cpu',
    // Unless asked, idle intra-op threads sleep: spinning takes the cores the serving thread needs between batches.
    extra: { session: { intra_op: { allow_spinning: intraOpSpinning ? '1' : '0' } } },
  }
  try {
    const session = await runtime.ort.InferenceSession.create(bytes, sessionOptions)
    countLive('sessions', 1)
    return session
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const where = `${runtime.backend} on ${runtime.executionProvider}`
    if (/protobuf parsing failed/i.test(message)) {
      throw new Corrupted(
        `${model} is not a valid ONNX model: ${where} could not parse its ${bytes.length} bytes (${message})`,
        { cause: error },
      )
    }
    if (runtime.backend === 'onnxruntime-web' && WASM_NOT_LOADED.test(message)) {
      throw new Unsupported(
        `${model}: onnxruntime-web could not load its WebAssembly (${message.slice(0, 200)}); serve onnxruntime-web's ort-wasm-simd-threaded.jsep.wasm with the app: in a Vite app add the tiffin-serve Vite plugin, elsewhere pass its URL as onnx.wasmUrl`,
        { cause: error },
      )
    }
    throw new Unsupported(`${model}: ${where} could not load the model: ${message}`, { cause: error })
  }
}

/** What onnxruntime-web says when its .wasm is missing (a 404, or an HTML page served in its place). */
const WASM_NOT_LOADED = /no available backend found|expected magic word|failed to fetch|ENOENT|wasm streaming compile/i

/** Releases a session opened by `openSession` (its native or GPU memory). */
export async function releaseSession(session: ort.InferenceSession): Promise<void> {
  await session.release()
  countLive('sessions', -1)
}

/**
 * Runs tasks one after another. ONNX Runtime must never run one session concurrently (WebGPU is unsafe),
 * and the worker host already calls one at a time, so this costs nothing there and keeps `initLocal` correct.
 */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return (task) => {
    const result = tail.then(task)
    tail = result.catch(() => undefined)
    return result
  }
}

/**
 * onnxruntime-web's sessions in one thread take turns: two running at once, where one is on WebGPU, corrupt
 * each other ("Session mismatch", "Session already started", failed buffer downloads, then a hang). Module
 * state is per thread, as ORT's instance and the GPU device are. onnxruntime-node needs no such turns.
 */
const webTurns = serialQueue()

/** An open session: runs one call at a time (onnxruntime-web's one at a time in their thread), and copies outputs out. */
export interface OnnxSession {
  readonly runtime: LoadedOnnxRuntime
  readonly inputs: readonly IoSpec[]
  readonly outputs: readonly IoSpec[]
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>
  /** Releases the session once the runs queued before it are done. */
  release(): Promise<void>
}

export async function openOnnxSession(
  runtime: LoadedOnnxRuntime,
  bytes: Uint8Array,
  model: string,
  options: OnnxSessionOptions | undefined,
  threads: number,
): Promise<OnnxSession> {
  const web = runtime.backend === 'onnxruntime-web'
  const turn = <T>(task: () => Promise<T>): Promise<T> => (web ? webTurns(task) : task())
  const session = await turn(() => openSession(runtime, bytes, model, options, threads))
  const queue = serialQueue()
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
  const inputs = ioSpecs(session.inputMetadata, 'input', model)
  const outputs = ioSpecs(session.outputMetadata, 'output', model)
  return {
    runtime,
    inputs,
    outputs,
    run: (feeds) => queue(() => turn(() => execute(feeds))),
    release: () => queue(() => turn(() => releaseSession(session))),
  }
}
