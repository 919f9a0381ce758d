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

/**
 * One method's batching settings, with BentoML's precedence: the method's own config, then the runner's
 * options, then the service's config for the runner, then the defaults.
 */
export function resolveBatching(
  runner: string,
  method: string,
  methodConfig: MethodConfig & BatchingOptions,
  runnerOptions: BatchingOptions,
  serviceConfig: BatchingOptions = {},
): BatchingConfig {
  const pick = <K extends keyof BatchingOptions>(key: K): NonNullable<BatchingOptions[K]> =>
    (methodConfig[key] ?? runnerOptions[key] ?? serviceConfig[key] ?? BATCHING_DEFAULTS[key]) as NonNullable<
      BatchingOptions[K]
    >
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
  return config
}
