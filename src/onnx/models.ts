import { BadInput } from '../errors.js'
import { Runner, type RunnerOptions } from '../runner/runner.js'
import type { ModelInfo } from '../store/manifest.js'
import { tagOf, type ModelStore, type SignatureOptions } from '../store/model-store.js'
import type { ModelSource } from '../store/source.js'
import { parseTag } from '../tag.js'
import { onnxRunnable, type OnnxMethods, type OnnxParams } from './runnable.js'

export interface SaveOnnxOptions {
  /** How the runner may batch `run` (the only method of an ONNX model); not batchable by default. */
  readonly signatures?: { readonly run?: SignatureOptions }
  readonly labels?: Readonly<Record<string, string>>
  readonly metadata?: Readonly<Record<string, unknown>>
  /** Defaults to a new time-ordered version. */
  readonly version?: string
}

/** What `toRunner` takes: a runner's options, less the model and the store, which the model supplies. */
export type OnnxRunnerOptions = Omit<RunnerOptions<OnnxParams, OnnxMethods>, 'models' | 'store'>

/** A stored ONNX model version. */
export interface OnnxModel {
  readonly info: ModelInfo
  /** `name:version`, exact. */
  readonly tag: string
  /** A runner for this exact version: named after the model, batching `run` as its signature says. */
  toRunner(options?: OnnxRunnerOptions): Runner<OnnxParams, OnnxMethods>
}

/**
 * The runner options for one model: the name defaults to the model's, and `run`'s batching comes from the
 * model's signature unless `options` overrides it; the runnable gets the same `batchDim` for padding.
 */
export function runnerOptionsFor(
  info: ModelInfo,
  store: ModelStore,
  options: OnnxRunnerOptions = {},
): RunnerOptions<OnnxParams, OnnxMethods> {
  const signature = info.signatures.run ?? { batchable: false, batchDim: [0, 0] as const }
  const run = { batchable: signature.batchable, batchDim: signature.batchDim, ...options.methodConfigs?.run }
  return {
    ...options,
    name: options.name ?? info.name,
    models: [info],
    store,
    methodConfigs: { ...options.methodConfigs, run },
    runnableInitParams: { batchDim: run.batchDim, ...options.runnableInitParams },
  }
}

function onnxModel(info: ModelInfo, store: ModelStore): OnnxModel {
  if (info.format !== 'onnx') throw new BadInput(`${tagOf(info)} is a ${String(info.format)} model, not ONNX`)
  return {
    info,
    tag: tagOf(info),
    toRunner: (options) => new Runner(onnxRunnable, runnerOptionsFor(info, store, options)),
  }
}

/** Saves and loads ONNX models in a store, and makes runners for them (BentoML's `bentoml.onnx`). */
export function onnxModels(store: ModelStore): {
  saveModel(name: string, source: ModelSource, options?: SaveOnnxOptions): Promise<OnnxModel>
  get(tag: string): Promise<OnnxModel>
} {
  return {
    async saveModel(name, source, options = {}) {
      const extra = Object.keys(options.signatures ?? {}).filter((method) => method !== 'run')
      if (extra.length > 0)
        throw new BadInput(
          `An ONNX model has one method, "run"; signatures name ${extra.map((m) => `"${m}"`).join(', ')}`,
        )
      const info = await store.save(name, source, {
        format: 'onnx',
        signatures: { run: options.signatures?.run ?? {} },
        ...(options.labels && { labels: options.labels }),
        ...(options.metadata && { metadata: options.metadata }),
        ...(options.version !== undefined && { version: options.version }),
      })
      return onnxModel(info, store)
    },
    async get(tag) {
      return onnxModel(await store.get(tag), store)
    },
  }
}

/**
 * A runner for a model named by tag, looked up when the runner starts (in the store given to `init`):
 * what a service module uses, since it must not wait on a store while it is being imported.
 */
export function onnxRunner(
  tag: string,
  options: Omit<RunnerOptions<OnnxParams, OnnxMethods>, 'models'> = {},
): Runner<OnnxParams, OnnxMethods> {
  return new Runner(onnxRunnable, { ...options, name: options.name ?? parseTag(tag).name, models: [tag] })
}
