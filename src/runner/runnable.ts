import type { BatchAxes } from '../batch-axes.js'
import type { MethodConfig } from '../batching/config.js'
import type { ModelInfo } from '../store/manifest.js'
import type { ModelStore } from '../store/model-store.js'
import type { OnnxRuntimeLoader } from './platform.js'

/** Where a runnable computes: on a GPU through WebGPU, in WebAssembly, or native CPU code (Node). */
export type Resource = 'webgpu' | 'wasm' | 'cpu'
export const RESOURCES: readonly Resource[] = ['webgpu', 'wasm', 'cpu']

// Method signatures vary per runnable; `never[]` keeps them assignable without widening to `any`.
export type RunnableMethod = (input: never) => unknown
export type MethodMap = Record<string, RunnableMethod>

export interface MethodBatching {
  readonly maxBatchSize: number
  readonly inputAxis: BatchAxes
  readonly outputAxis: BatchAxes
}

/** What a runnable's setup receives, inside the worker that will run it. */
export interface RunnableContext<Params> {
  readonly params: Params
  /** The runner's models, resolved to exact versions before the workers started. */
  readonly models: readonly ModelInfo[]
  readonly store: ModelStore
  /** The resource this worker was given, from those the runnable supports. */
  readonly resource: Resource
  /**
   * True when `resource` is settled: pinned by the runner's options, or chosen by a check an earlier worker
   * of this runner made. A runnable that checks its resource (the ONNX runnable on WebGPU) then does not.
   */
  readonly resourceConfirmed: boolean
  /** How many threads this worker may use itself (more than 1 only for multi-threaded runnables). */
  readonly threads: number
  /** How the runner batches each batchable method: its largest batch, and the axes it merges along. */
  readonly batching: Readonly<Record<string, MethodBatching>>
  /** Loads an ONNX Runtime for a resource, in whatever way this runtime can. */
  readonly onnxRuntime: OnnxRuntimeLoader
  /** Records a line the runner reports after `init()` (the backend chosen, and why). */
  report(note: string): void
  /**
   * Says that the runnable runs on another resource than it was given (a check found it better), and why:
   * the runner then places its workers for that resource.
   */
  chose(resource: Resource, reason: string): void
  /** Registers what to release when the runner shuts down (sessions, handles), after calls in flight. */
  onShutdown(cleanup: () => Promise<void> | void): void
}

export interface RunnableDefinition<Params, Methods extends MethodMap> {
  /** The default name of runners built on it. */
  readonly name: string
  /**
   * The URL of the module that exports this runnable (pass `import.meta.url`): each worker imports the
   * module itself, since code cannot be sent to a worker.
   */
  readonly module: string
  /** The export that holds it; `default` unless given. */
  readonly exportName?: string
  /** The resources it can run on, best first. */
  readonly resources: readonly Resource[]
  /** True when it uses several threads itself (then a runner starts one worker with many threads). */
  readonly multiThreaded?: boolean
  readonly methods: { readonly [K in keyof Methods]: MethodConfig }
  /**
   * Method configuration that depends on the runner's models (an ONNX model's signature says whether
   * `run` batches); it overrides `methods`, and a runner's `methodConfigs` override it.
   */
  methodsFromModels?(models: readonly ModelInfo[]): { readonly [K in keyof Methods]?: MethodConfig }
  /** Loads models and returns the methods; runs once in every worker. */
  setup(context: RunnableContext<Params>): Promise<Methods> | Methods
}

/** A unit of inference code that runs inside a worker. */
export interface Runnable<Params = unknown, Methods extends MethodMap = MethodMap> extends RunnableDefinition<
  Params,
  Methods
> {
  readonly exportName: string
  readonly multiThreaded: boolean
}

/** Declares a runnable. Export the result from its own module, and pass that module's `import.meta.url`. */
export function defineRunnable<Params = undefined, Methods extends MethodMap = MethodMap>(
  definition: RunnableDefinition<Params, Methods>,
): Runnable<Params, Methods> {
  const methods = Object.keys(definition.methods)
  if (methods.length === 0) throw new TypeError(`Runnable "${definition.name}" declares no methods`)
  if (definition.resources.length === 0) throw new TypeError(`Runnable "${definition.name}" supports no resource`)
  for (const r of definition.resources) {
    if (!RESOURCES.includes(r))
      throw new TypeError(`Runnable "${definition.name}": unknown resource "${r}"; expected ${RESOURCES.join(', ')}`)
  }
  return { exportName: 'default', multiThreaded: false, ...definition }
}
