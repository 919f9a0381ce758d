// `bento.json`: what a built service is, read by `tiffin serve`, `tiffin bentos` and the built page.
import type { BatchAxes } from '../batch-axes.js'
import type { BatchingConfig } from '../batching/config.js'
import { Corrupted } from '../errors.js'
import type { Resource } from '../runner/runnable.js'
import type { Service } from '../service/service.js'
import type { ModelInfo } from '../store/manifest.js'
import { runnerWideSettings } from '../runner/settings.js'
import { tagOf } from '../store/model-store.js'
import type { DeploymentConfig } from './config.js'

export const BENTO_FILE = 'bento.json'

export interface BentoModel {
  readonly tag: string
  readonly size: number
  readonly sha256: string
}

export interface BentoRunner {
  readonly name: string
  readonly runnable: string
  readonly models: readonly string[]
  /** The resources the runnable can run on, best first, and the one the runner is pinned to, if any. */
  readonly resources: readonly Resource[]
  readonly resource?: Resource
  /** Set in the runner's options or its serve config; else the placement decides where it runs. */
  readonly workers?: number
  /** Whether the runnable threads itself (ONNX Runtime does): one worker with every core it is given. */
  readonly multiThreaded?: boolean
  readonly methods: Readonly<
    Record<
      string,
      Omit<BatchingConfig, 'inputAxis' | 'outputAxis'> & { readonly batchDim: readonly [BatchAxes, BatchAxes] }
    >
  >
}

export interface BentoApi {
  readonly name: string
  readonly route: string
  readonly doc?: string
  readonly input: { readonly kind: string; readonly mediaTypes: readonly string[] }
  readonly output: { readonly kind: string; readonly mediaTypes: readonly string[] }
}

export interface BentoInfo {
  readonly name: string
  readonly version: string
  /** The service's own name (the bento's name may differ). */
  readonly service: string
  readonly description: string
  readonly labels: Readonly<Record<string, string>>
  readonly createdAt: string
  /** The tiffin version that built it. */
  readonly tiffin: string
  readonly models: readonly BentoModel[]
  readonly runners: readonly BentoRunner[]
  readonly apis: readonly BentoApi[]
  /** Files copied in by the config's `include`, under `files/`. */
  readonly files: readonly string[]
  readonly node: { readonly entry: string; readonly port: number; readonly image: string }
  /** Absent when the config left the browser build out. */
  readonly browser?: {
    readonly index: string
    readonly serviceWorker: string
    readonly prefix: string
    readonly runners: 'embedded' | 'delegated' | 'both'
  }
  readonly deploy: { readonly api: DeploymentConfig; readonly runners: Readonly<Record<string, DeploymentConfig>> }
}

export const bentoTag = (info: Pick<BentoInfo, 'name' | 'version'>): string => `${info.name}:${info.version}`

/**
 * The runners and APIs of a service as bento.json records them, with its config layers (the build
 * config's serve settings, given to `service.configure`); `models` are each runner's, resolved.
 */
export function describeService(
  service: Service,
  models: ReadonlyMap<string, readonly ModelInfo[]>,
): Pick<BentoInfo, 'runners' | 'apis'> {
  const runners = service.runners.map((runner): BentoRunner => {
    const resolved = models.get(runner.name) ?? []
    const layers = service.runnerConfig(runner.name)
    const methods = Object.fromEntries(
      Object.keys(runner.methods).map((method) => {
        const { inputAxis, outputAxis, ...config } = runner.batchingConfig(method, layers, resolved)
        return [method, { ...config, batchDim: [inputAxis, outputAxis] as const }]
      }),
    )
    const { workers, resource } = runnerWideSettings(runner.options, layers)
    return {
      name: runner.name,
      runnable: runner.runnable.name,
      models: resolved.map(tagOf),
      resources: runner.runnable.resources,
      ...(resource && { resource: resource.value }),
      ...(workers && { workers: workers.value }),
      multiThreaded: runner.runnable.multiThreaded,
      methods,
    }
  })
  const apis = service.apis.map((api): BentoApi => ({
    name: api.name,
    route: api.route,
    ...(api.doc && { doc: api.doc }),
    input: { kind: api.input.kind, mediaTypes: Object.keys(api.input.requestContent()) },
    output: { kind: api.output.kind, mediaTypes: Object.keys(api.output.responseContent()) },
  }))
  return { runners, apis }
}

/** Reads bento.json, refusing one that is not a bento's. */
export function parseBento(text: string, where: string): BentoInfo {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new Corrupted(`${where}: ${BENTO_FILE} is not JSON (${(error as Error).message})`)
  }
  const info = value as Partial<BentoInfo> | null
  const ok =
    typeof info === 'object' &&
    info !== null &&
    typeof info.name === 'string' &&
    typeof info.version === 'string' &&
    typeof info.createdAt === 'string' &&
    Array.isArray(info.models) &&
    Array.isArray(info.runners) &&
    Array.isArray(info.apis) &&
    typeof info.node?.entry === 'string'
  if (!ok)
    throw new Corrupted(
      `${where}: ${BENTO_FILE} lacks name, version, createdAt, models, runners, apis or node.entry; rebuild it`,
    )
  return info as BentoInfo
}
