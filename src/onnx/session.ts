import type * as ort from 'onnxruntime-common'
import { Corrupted, Unsupported } from '../errors.js'
import { countLive } from '../runner/live-counts.js'
import type { LoadedOnnxRuntime } from '../runner/platform.js'

/** The few ORT session options a runner may set; everything else is decided by tiffin. */
export interface OnnxSessionOptions {
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all'
  /** Fixes symbolic dims (`{ N: 1 }`): lets WebGPU compile once when a model is only ever called one way. */
  readonly freeDimensionOverrides?: Readonly<Record<string, number>>
  /** 0 verbose … 4 fatal; tiffin's default is 3 (errors). */
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4
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
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    // Errors only by default: WebGPU sessions otherwise warn on every load that shape ops run on the CPU.
    logSeverityLevel: 3,
    ...options,
    ...(options?.freeDimensionOverrides && { freeDimensionOverrides: { ...options.freeDimensionOverrides } }),
    executionProviders: [runtime.executionProvider],
    // onnxruntime-node reads this; onnxruntime-web takes its threads from env.wasm.numThreads (set by the loader).
    intraOpNumThreads: threads,
    // Outputs are copied out and posted to other threads, so WebGPU must hand them back in CPU memory.
    preferredOutputLocation: 'cpu',
    // Idle intra-op threads otherwise spin, taking the cores the serving thread needs between batches.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
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
 * Runs tasks one after another. ONNX Runtime Web must never run one session concurrently (WebGPU is
 * unsafe), and the worker host already calls one at a time, so this costs nothing there and keeps
 * `initLocal` correct too.
 */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return (task) => {
    const result = tail.then(task)
    tail = result.catch(() => undefined)
    return result
  }
}
