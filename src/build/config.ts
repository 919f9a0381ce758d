// What `tiffin build` reads: `tiffin.config.ts` (or .js/.mjs), `tiffin.yaml`, or just a service module.
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { importSourceModule } from '../adapters/node/load-module.js'
import { BadInput } from '../errors.js'
import type { RunnerConfig } from '../runner/runner-options.js'
import { failIn, isRecord, oneOf, onlyKeys, text, urls, whole, type Fail } from '../service/config-checks.js'
import {
  checkServeConfig,
  RUNNER_KEYS,
  type LoggingConfig,
  type ServeConfig,
  type ShutdownConfig,
} from '../service/serve-config.js'
import type { HttpConfig } from '../service/service.js'
import { validateTagPart } from '../tag.js'

/** How many pods run a deployment, what each may use, and when to add more. */
export interface DeploymentConfig {
  /** Pods at first (default 1). */
  readonly replicas?: number
  /** Kubernetes resource requests and limits, e.g. `{ requests: { cpu: '1', memory: '1Gi' } }`. */
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string>>
    readonly limits?: Readonly<Record<string, string>>
  }
  /**
   * An autoscaler between `minReplicas` and `maxReplicas`, on CPU (aiming at `targetCPUUtilization` %) and,
   * for a runner with `queue`, on its queue too.
   */
  readonly autoscaling?: {
    readonly minReplicas?: number
    readonly maxReplicas?: number
    readonly targetCPUUtilization?: number
    readonly queue?: QueueScaling
  }
  /** The PodDisruptionBudget: one of the two (default `maxUnavailable: 1`), a count or a percentage such as "50%". */
  readonly disruptionBudget?: { readonly maxUnavailable?: number | string; readonly minAvailable?: number | string }
}

/** Scaling a runner on its queue: the `tiffin_runner_queued_items` gauge its `/metrics` exposes. */
export interface QueueScaling {
  /**
   * How the gauge reaches the autoscaler: `custom-metrics`, an HPA on the Pods metric through the custom
   * metrics API (served by an adapter such as prometheus-adapter); or `keda`, a KEDA ScaledObject with a
   * Prometheus trigger (and none of tiffin's HPA).
   */
  readonly via: 'custom-metrics' | 'keda'
  /** Queued items per pod to aim at (default: the runner's largest `maxBatchSize`, a full batch waiting). */
  readonly targetItems?: number
  /** KEDA: the Prometheus server that scrapes the pods, such as `http://prometheus.monitoring:9090`. */
  readonly prometheus?: string
  /** KEDA: the query (default `sum(tiffin_runner_queued_items{runner="NAME"})`). */
  readonly query?: string
}

export interface BuildConfig {
  /** The module that exports the service, relative to the config file. */
  readonly service: string
  /** The bento's name; the service's name unless given. */
  readonly name?: string
  readonly description?: string
  readonly labels?: Readonly<Record<string, string>>
  /** Files (glob patterns, relative to the config) copied into the bento's `files/`, for code that reads them. */
  readonly include?: readonly string[]
  /** Patterns left out of `include`. */
  readonly exclude?: readonly string[]
  /** Models packed beside the runners' own (tags). */
  readonly models?: readonly string[]
  /** The browser build; `false` leaves it out. */
  readonly browser?:
    | false
    | {
        /** Path under the page where the Service Worker answers (default `api`). */
        readonly prefix?: string
        /** Where the Service Worker's runners run (default `both`: in it, and on workers pages lend it). */
        readonly runners?: 'embedded' | 'delegated' | 'both'
      }
  readonly node?: {
    /** The container's base image (default `node:24-slim`). */
    readonly image?: string
    /** The port the server listens on in the container (default 3000). */
    readonly port?: number
  }
  /** The API server's deployment. */
  readonly api?: DeploymentConfig
  /**
   * Each runner by name: its deployment, and the settings of its serve config section (batching,
   * workers, resource, timeoutMs, setupTimeoutMs), which go into the bento's serve.yaml and its ConfigMap.
   */
  readonly runners?: Readonly<Record<string, DeploymentConfig & RunnerConfig>>
  /** The serve config's HTTP settings (the port is `node.port`). */
  readonly http?: HttpConfig
  readonly logging?: LoggingConfig
  readonly shutdown?: ShutdownConfig
}

/** Types a `tiffin.config.ts`: `export default defineConfig({ service: './service.ts' })`. */
export const defineConfig = (config: BuildConfig): BuildConfig => config

export interface LoadedConfig {
  readonly config: BuildConfig
  /** The config file (the service module, for a build with the defaults). */
  readonly file: string
  /** The folder paths in the config are relative to. */
  readonly dir: string
  /** The absolute path of the service module. */
  readonly serviceModule: string
}

const CONFIG_FILES = [
  'tiffin.config.ts',
  'tiffin.config.mts',
  'tiffin.config.js',
  'tiffin.config.mjs',
  'tiffin.yaml',
  'tiffin.yml',
]

/**
 * Finds and reads the build config. `target` is a config file, a folder holding one, or a service module
 * (built with the defaults); without it, the current folder is searched.
 */
export async function loadBuildConfig(target: string = '.'): Promise<LoadedConfig> {
  const path = resolve(target)
  if (!existsSync(path))
    throw new BadInput(
      `${target} does not exist; expected a config file, a folder with ${CONFIG_FILES[0]} or tiffin.yaml, or a service module`,
    )
  const file = statSync(path).isDirectory()
    ? CONFIG_FILES.map((name) => join(path, name)).find((f) => existsSync(f))
    : path
  if (!file) throw new BadInput(`${target} holds no build config; expected one of ${CONFIG_FILES.join(', ')}`)
  const dir = dirname(file)
  const raw = /\.ya?ml$/.test(file) ? parseYaml(await readFile(file, 'utf8')) : await configFromModule(file)
  const config = checkConfig(raw, file)
  return { config, file, dir, serviceModule: resolve(dir, config.service) }
}

/** A module's default export is its config; a module that exports a service is built with the defaults. */
async function configFromModule(file: string): Promise<unknown> {
  const exported = (await importSourceModule(file)).default
  const isConfig =
    typeof exported === 'object' && exported !== null && typeof (exported as { service?: unknown }).service === 'string'
  return isConfig ? exported : { service: `./${file.slice(dirname(file).length + 1)}` }
}

function checkConfig(raw: unknown, file: string): BuildConfig {
  const fail = failIn(file)
  if (!isRecord(raw)) return fail('the config', 'must be an object with at least `service`')
  const known = [
    'service',
    'name',
    'description',
    'labels',
    'include',
    'exclude',
    'models',
    'browser',
    'node',
    'api',
    'runners',
    'http',
    'logging',
    'shutdown',
  ]
  for (const key of Object.keys(raw))
    if (!known.includes(key)) fail(`"${key}"`, `is not a config field; expected one of ${known.join(', ')}`)
  if (typeof raw.service !== 'string' || raw.service === '')
    fail('service', 'must be the path of the module that exports the service')
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string') fail('name', 'must be a string')
    validateTagPart(raw.name as string, 'name')
  }
  if (raw.description !== undefined && typeof raw.description !== 'string') fail('description', 'must be a string')
  if (
    raw.labels !== undefined &&
    !(isRecord(raw.labels) && Object.values(raw.labels).every((v) => typeof v === 'string'))
  )
    fail('labels', 'must map names to strings')
  for (const key of ['include', 'exclude', 'models'] as const) {
    const list = raw[key]
    if (list !== undefined && !(Array.isArray(list) && list.every((v) => typeof v === 'string')))
      fail(key, 'must be a list of strings')
  }
  if (raw.browser !== undefined && raw.browser !== false) {
    if (!isRecord(raw.browser)) fail('browser', 'must be false or an object')
    const { prefix, runners } = raw.browser as Record<string, unknown>
    if (prefix !== undefined && !(typeof prefix === 'string' && /^[\w\-./]+$/.test(prefix) && !prefix.includes('..')))
      fail('browser.prefix', 'must be a path such as "api"')
    if (runners !== undefined && !['embedded', 'delegated', 'both'].includes(runners as string))
      fail('browser.runners', 'must be "embedded", "delegated" or "both"')
  }
  if (raw.node !== undefined) {
    if (!isRecord(raw.node)) fail('node', 'must be an object')
    const { image, port } = raw.node as Record<string, unknown>
    if (image !== undefined && typeof image !== 'string')
      fail('node.image', 'must be an image name such as "node:24-slim"')
    if (port !== undefined && !(Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536))
      fail('node.port', 'must be a port from 1 to 65535')
  }
  if (raw.api !== undefined) checkDeployment(raw.api, 'api', fail, false)
  if (raw.runners !== undefined) {
    if (!isRecord(raw.runners)) fail('runners', 'must map runner names to deployment and serve settings')
    for (const [name, value] of Object.entries(raw.runners as Record<string, unknown>))
      checkDeployment(value, `runners.${name}`, fail, true)
  }
  if (isRecord(raw.http) && (raw.http.port !== undefined || raw.http.host !== undefined))
    fail('http.port and http.host', 'are not build settings; the container listens on node.port')
  const config = raw as unknown as BuildConfig
  checkServeConfig(serveConfigOf(config), file) // the runners' serve settings, http, logging and shutdown
  return config
}

const DEPLOYMENT_KEYS = ['replicas', 'resources', 'autoscaling', 'disruptionBudget']

/** The serve config a build config holds: what the bento's serve.yaml and its ConfigMap say. */
export function serveConfigOf(config: BuildConfig): ServeConfig {
  const runners = Object.fromEntries(
    Object.entries(config.runners ?? {}).map(([name, settings]) => {
      const own = Object.entries(settings).filter(([key]) => !DEPLOYMENT_KEYS.includes(key))
      return [name, Object.fromEntries(own) as RunnerConfig]
    }),
  )
  const { http, logging, shutdown } = config
  return {
    ...(Object.keys(runners).length > 0 && { runners }),
    ...(http && { http }),
    ...(logging && { logging }),
    ...(shutdown && { shutdown }),
  }
}

/** Each component's deployment settings, without the runners' serve settings. */
export function deploymentsOf(config: BuildConfig): {
  api: DeploymentConfig
  runners: Record<string, DeploymentConfig>
} {
  const runners = Object.fromEntries(
    Object.entries(config.runners ?? {}).map(([name, settings]) => {
      const { replicas, resources, autoscaling, disruptionBudget } = settings
      const deployment = { replicas, resources, autoscaling, disruptionBudget }
      return [name, JSON.parse(JSON.stringify(deployment)) as DeploymentConfig] // leaves out what is unset
    }),
  )
  return { api: config.api ?? {}, runners }
}

function checkDeployment(value: unknown, path: string, fail: Fail, runner: boolean): void {
  const allowed = runner ? [...DEPLOYMENT_KEYS, ...RUNNER_KEYS] : DEPLOYMENT_KEYS
  if (!isRecord(value)) fail(path, `must be an object with ${allowed.join(', ')}`)
  const settings = value as Record<string, unknown>
  onlyKeys(settings, path, allowed, fail)
  const { replicas, resources, autoscaling, disruptionBudget } = settings
  whole(replicas, `${path}.replicas`, fail, 0)
  if (resources !== undefined) {
    if (!isRecord(resources)) fail(`${path}.resources`, 'must be an object with requests and limits')
    for (const [kind, amounts] of Object.entries(resources as Record<string, unknown>)) {
      if (kind !== 'requests' && kind !== 'limits') fail(`${path}.resources.${kind}`, 'is not requests or limits')
      if (!(isRecord(amounts) && Object.values(amounts).every((v) => typeof v === 'string' || typeof v === 'number')))
        fail(`${path}.resources.${kind}`, 'must map resources to quantities such as "500m" or "1Gi"')
    }
  }
  if (autoscaling !== undefined) {
    if (!isRecord(autoscaling)) fail(`${path}.autoscaling`, 'must be an object')
    const scaling = autoscaling as Record<string, unknown>
    onlyKeys(scaling, `${path}.autoscaling`, ['minReplicas', 'maxReplicas', 'targetCPUUtilization', 'queue'], fail)
    const { minReplicas, maxReplicas, targetCPUUtilization, queue } = scaling
    whole(minReplicas, `${path}.autoscaling.minReplicas`, fail, 1)
    whole(maxReplicas, `${path}.autoscaling.maxReplicas`, fail, 1)
    whole(targetCPUUtilization, `${path}.autoscaling.targetCPUUtilization`, fail, 1)
    if (typeof minReplicas === 'number' && typeof maxReplicas === 'number' && minReplicas > maxReplicas)
      fail(`${path}.autoscaling`, 'has minReplicas above maxReplicas')
    if (queue !== undefined) {
      if (!runner) fail(`${path}.autoscaling.queue`, 'is for runners only: the API server has no queue of its own')
      checkQueueScaling(queue, `${path}.autoscaling.queue`, fail)
    }
  }
  if (disruptionBudget !== undefined) {
    const at = `${path}.disruptionBudget`
    if (!isRecord(disruptionBudget)) fail(at, 'must be an object with maxUnavailable or minAvailable')
    const budget = disruptionBudget as Record<string, unknown>
    onlyKeys(budget, at, ['maxUnavailable', 'minAvailable'], fail)
    if (Object.keys(budget).length !== 1) fail(at, 'must set one of maxUnavailable and minAvailable', budget)
    for (const [key, amount] of Object.entries(budget)) {
      const ok = (Number.isInteger(amount) && (amount as number) >= 0) || /^\d{1,3}%$/.test(String(amount))
      if (!ok) fail(`${at}.${key}`, 'must be a whole number of pods or a percentage such as "50%"', amount)
    }
  }
}

function checkQueueScaling(value: unknown, path: string, fail: Fail): void {
  if (!isRecord(value)) fail(path, 'must be an object with via, targetItems, prometheus or query')
  const queue = value as Record<string, unknown>
  onlyKeys(queue, path, ['via', 'targetItems', 'prometheus', 'query'], fail)
  if (queue.via === undefined) fail(`${path}.via`, 'must be set: "custom-metrics" or "keda"')
  oneOf(queue.via, `${path}.via`, ['custom-metrics', 'keda'], fail)
  whole(queue.targetItems, `${path}.targetItems`, fail, 1)
  if (queue.via === 'keda') {
    if (queue.prometheus === undefined)
      fail(`${path}.prometheus`, 'must be set for KEDA: the URL of the Prometheus that scrapes the pods')
    urls([queue.prometheus], `${path}.prometheus`, fail)
    text(queue.query, `${path}.query`, fail)
  } else {
    for (const key of ['prometheus', 'query'])
      if (queue[key] !== undefined) fail(`${path}.${key}`, 'is for via: "keda" only')
  }
}
