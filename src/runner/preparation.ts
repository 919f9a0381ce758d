import { batches, type BatchingConfig } from '../batching/config.js'
import { NotFound, withContext } from '../errors.js'
import type { ModelInfo } from '../store/manifest.js'
import type { ModelStore } from '../store/model-store.js'
import type { WorkerSpec } from './host.js'
import type { Placement } from './placement.js'
import type { StoreRef } from './platform.js'
import type { MethodBatching, Runnable } from './runnable.js'

/** A model a runner needs that is not in its store (yet): the runner waits for it rather than failing for good. */
export class MissingModel extends NotFound {
  constructor(
    message: string,
    readonly tag: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** A runner's models at exact versions, looked up once so every worker loads the same ones. */
export async function resolveModels(
  runner: string,
  given: readonly (string | ModelInfo)[],
  store: ModelStore | undefined,
): Promise<ModelInfo[]> {
  const models: ModelInfo[] = []
  for (const model of given) {
    if (typeof model !== 'string') models.push(model)
    else {
      try {
        models.push(await store!.get(model))
      } catch (error) {
        const message = `Runner "${runner}" cannot load model "${model}"`
        if (error instanceof NotFound) throw new MissingModel(`${message}: ${error.message}`, model, { cause: error })
        throw withContext(error, message)
      }
    }
  }
  return models
}

/** Everything a worker needs to set the runnable up, as plain data: sent to each worker once. */
export function workerSpec(
  runner: string,
  runnable: Runnable,
  params: unknown,
  placement: Placement,
  models: ModelInfo[],
  store: StoreRef | undefined,
  configs: Readonly<Record<string, BatchingConfig>>,
  resourceConfirmed: boolean,
): WorkerSpec {
  const batching: Record<string, MethodBatching> = {}
  for (const [method, config] of Object.entries(configs)) {
    if (batches(config))
      batching[method] = {
        maxBatchSize: config.maxBatchSize,
        inputAxis: config.inputAxis,
        outputAxis: config.outputAxis,
      }
  }
  return {
    runner,
    runnable: runnable.name,
    module: runnable.module,
    exportName: runnable.exportName,
    params,
    models,
    store,
    resource: placement.resource,
    resourceConfirmed,
    threads: placement.threads,
    batching,
  }
}
