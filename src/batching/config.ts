import { batchDimProblem, splitBatchDim, type BatchAxes, type BatchDim } from '../batch-axes.js'
import { DEFAULTS } from '../defaults.js'

/** How one method of a runnable may be called. */
export interface MethodConfig {
  /** Whether calls may be merged into one batch along `batchDim`. */
  readonly batchable?: boolean
  /**
   * The batch axis of the input and the output: one axis for both, `[inputAxis, outputAxis]`, or per tensor
   * name, `[{ input: 0, state: 1 }, { output: 0, stateN: 1 }]` (tensors not named are shared by a batch).
   */
  readonly batchDim?: BatchDim
}

/** Batching settings as a layer of configuration: any of them may be left to the layer below. */
export interface BatchingOptions {
  readonly enabled?: boolean
  /** Most items (counted along the batch axis, not requests) in one batch. */
  readonly maxBatchSize?: number
  /** The longest a call may take from arrival to answer before it is refused as overloaded. */
  readonly maxLatencyMs?: number
  /** Most items waiting at once; beyond it calls are refused at once. */
  readonly maxQueueItems?: number
}

export interface BatchingConfig {
  readonly enabled: boolean
  readonly batchable: boolean
  readonly maxBatchSize: number
  readonly maxLatencyMs: number
  readonly maxQueueItems: number
  readonly inputAxis: BatchAxes
  readonly outputAxis: BatchAxes
}

export const BATCHING_DEFAULTS = DEFAULTS.batching

/** Whether calls to a method are merged into batches: it is batchable, and batching is on. */
export const batches = (config: BatchingConfig): boolean => config.enabled && config.batchable

/** Batching settings from one source, for `resolveBatchingLayers`: the runner's options, a config file… */
export interface BatchingLayer<S extends string = string> {
  readonly source: S
  readonly options: BatchingOptions
}

export type BatchingKey = keyof BatchingOptions

/** One method's batching settings, and where each came from. */
export interface ResolvedBatching<S extends string = string> {
  readonly config: BatchingConfig
  readonly from: Readonly<Record<BatchingKey, S | 'method config' | 'default'>>
}

/**
 * One method's batching settings, with BentoML's precedence: the method's own config, then each layer in
 * the order given (strongest first), then the defaults.
 */
export function resolveBatching(
  runner: string,
  method: string,
  methodConfig: MethodConfig & BatchingOptions,
  ...layers: BatchingOptions[]
): BatchingConfig {
  const named = layers.map((options, i) => ({ source: `layer ${i}`, options }))
  return resolveBatchingLayers(runner, method, methodConfig, named).config
}

/** `resolveBatching`, with each layer named, saying which one each setting came from. */
export function resolveBatchingLayers<S extends string>(
  runner: string,
  method: string,
  methodConfig: MethodConfig & BatchingOptions,
  layers: readonly BatchingLayer<S>[],
): ResolvedBatching<S> {
  const from = {} as Record<BatchingKey, S | 'method config' | 'default'>
  const pick = <K extends BatchingKey>(key: K): NonNullable<BatchingOptions[K]> => {
    const layer = layers.find((l) => l.options[key] !== undefined)
    from[key] = methodConfig[key] !== undefined ? 'method config' : (layer?.source ?? 'default')
    return (methodConfig[key] ?? layer?.options[key] ?? BATCHING_DEFAULTS[key]) as NonNullable<BatchingOptions[K]>
  }
  const where = `Runner "${runner}", method "${method}"`
  const problem = batchDimProblem(methodConfig.batchDim ?? 0)
  if (problem)
    throw new RangeError(`${where}: batchDim must be an axis, [input, output], or axes by tensor name; ${problem}`)
  const [inputAxis, outputAxis] = splitBatchDim(methodConfig.batchDim)
  const config = {
    enabled: pick('enabled'),
    batchable: methodConfig.batchable === true,
    maxBatchSize: pick('maxBatchSize'),
    maxLatencyMs: pick('maxLatencyMs'),
    maxQueueItems: pick('maxQueueItems'),
    inputAxis,
    outputAxis,
  }
  if (!Number.isInteger(config.maxBatchSize) || config.maxBatchSize < 1)
    throw new RangeError(`${where}: maxBatchSize must be a whole number of at least 1, got ${config.maxBatchSize}`)
  if (!(config.maxLatencyMs > 0))
    throw new RangeError(`${where}: maxLatencyMs must be above 0, got ${config.maxLatencyMs}`)
  if (!Number.isInteger(config.maxQueueItems) || config.maxQueueItems < 1)
    throw new RangeError(`${where}: maxQueueItems must be a whole number of at least 1, got ${config.maxQueueItems}`)
  return { config, from }
}
