// What `tiffin build` reads: `tiffin.config.ts` (or .js/.mjs), `tiffin.yaml`, or just a service module.
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { importSourceModule } from '../adapters/node/load-module.js'
import { BadInput } from '../errors.js'
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
  /** A HorizontalPodAutoscaler on CPU: between `minReplicas` and `maxReplicas`, aiming at `targetCPUUtilization` %. */
  readonly autoscaling?: {
    readonly minReplicas?: number
    readonly maxReplicas?: number
    readonly targetCPUUtilization?: number
  }
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
  /** Each runner's deployment, by runner name. */
  readonly runners?: Readonly<Record<string, DeploymentConfig>>
}

/** Types a `tiffin.config.ts`: `export default defineConfig({ service: './service.ts' })`. */
export const defineConfig = (config: BuildConfig): BuildConfig => config

export interface LoadedConfig {
  readonly config: BuildConfig
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
  return { config, dir, serviceModule: resolve(dir, config.service) }
}

/** A module's default export is its config; a module that exports a service is built with the defaults. */
async function configFromModule(file: string): Promise<unknown> {
  const exported = (await importSourceModule(file)).default
  const isConfig =
    typeof exported === 'object' && exported !== null && typeof (exported as { service?: unknown }).service === 'string'
  return isConfig ? exported : { service: `./${file.slice(dirname(file).length + 1)}` }
}

function checkConfig(raw: unknown, file: string): BuildConfig {
  const fail = (path: string, expected: string): never => {
    throw new BadInput(`${file}: ${path} ${expected}`)
  }
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
  if (raw.api !== undefined) checkDeployment(raw.api, 'api', fail)
  if (raw.runners !== undefined) {
    if (!isRecord(raw.runners)) fail('runners', 'must map runner names to deployment settings')
    for (const [name, value] of Object.entries(raw.runners as Record<string, unknown>))
      checkDeployment(value, `runners.${name}`, fail)
  }
  return raw as unknown as BuildConfig
}

function checkDeployment(value: unknown, path: string, fail: (path: string, expected: string) => never): void {
  if (!isRecord(value)) fail(path, 'must be an object with replicas, resources or autoscaling')
  const { replicas, resources, autoscaling, ...rest } = value as Record<string, unknown>
  for (const key of Object.keys(rest))
    fail(`${path}.${key}`, 'is not a deployment setting; expected replicas, resources or autoscaling')
  const count = (v: unknown, at: string, min: number): void => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min))
      fail(at, `must be a whole number of at least ${min}`)
  }
  count(replicas, `${path}.replicas`, 0)
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
    const { minReplicas, maxReplicas, targetCPUUtilization } = autoscaling as Record<string, unknown>
    count(minReplicas, `${path}.autoscaling.minReplicas`, 1)
    count(maxReplicas, `${path}.autoscaling.maxReplicas`, 1)
    count(targetCPUUtilization, `${path}.autoscaling.targetCPUUtilization`, 1)
    if (typeof minReplicas === 'number' && typeof maxReplicas === 'number' && minReplicas > maxReplicas)
      fail(`${path}.autoscaling`, 'has minReplicas above maxReplicas')
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
