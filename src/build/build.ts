// `tiffin build`: a service, its models and its bundles in one versioned folder that serves with no sources.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join } from 'node:path'
import { glob } from 'tinyglobby'
import { loadServiceModule } from '../adapters/node/load-module.js'
import { DEFAULTS } from '../defaults.js'
import { BadInput } from '../errors.js'
import { packageVersion } from '../package-info.js'
import type { Runnable } from '../runner/runnable.js'
import type { Service } from '../service/service.js'
import { fileStore } from '../store/fs.js'
import type { ModelInfo } from '../store/manifest.js'
import { tagOf, type ModelStore } from '../store/model-store.js'
import { newVersion } from '../tag.js'
import type { BentoStore, StoredBento } from './bento-store.js'
import { BENTO_FILE, describeService, type BentoInfo } from './bento.js'
import { bundleForBrowser } from './browser-bundle.js'
import { deploymentsOf, loadBuildConfig, serveConfigOf } from './config.js'
import { DOCKERIGNORE, dockerfile, packageJson, readme, serveConfigYaml } from './deploy-files.js'
import { kubernetesManifests, manifestsYaml } from './kubernetes.js'
import { loadVite } from './load-vite.js'
import { bundleForNode } from './node-bundle.js'
import { packRuntime, writeLockfile } from './runtime-package.js'

export interface BuildOptions {
  /** Where the runners' models are read from. */
  readonly models: ModelStore
  /** Where the bento is written. */
  readonly bentos: BentoStore
  /** Told each step as it starts. */
  readonly onStep?: (step: string) => void
}

/** Builds the service a config (or a service module) names into a new version in the bento store. */
export async function buildBento(target: string | undefined, options: BuildOptions): Promise<StoredBento> {
  const step = options.onStep ?? (() => undefined)
  await loadVite() // before any work: without Vite nothing can be bundled
  const { config, file, dir, serviceModule } = await loadBuildConfig(target)
  step(`loading ${serviceModule}`)
  const service = await loadServiceModule(serviceModule)
  checkRunners(service, Object.keys(config.runners ?? {}))
  // The serve settings the bento carries: checked against the service's runners and methods, and what
  // bento.json records the runners with.
  const serveConfig = serveConfigOf(config)
  service.configure(serveConfig, file)
  const models = await resolveModels(service, config.models ?? [], options.models)

  const name = config.name ?? service.name
  const version = newVersion()
  const staging = await options.bentos.staging(name)
  try {
    step(`packing ${models.all.length} model${models.all.length === 1 ? '' : 's'}`)
    const packed = fileStore(staging)
    for (const model of models.all) await packed.import(await options.models.export(tagOf(model)))

    step('bundling for Node')
    const nodeEntry = await bundleForNode(serviceModule, dir, join(staging, 'node'))
    const browser =
      config.browser === false
        ? undefined
        : {
            index: 'index.html',
            serviceWorker: 'sw.js',
            prefix: config.browser?.prefix ?? DEFAULTS.build.prefix,
            runners: config.browser?.runners ?? DEFAULTS.build.runners,
          }
    const description = config.description ?? `The ${service.name} service.`
    if (browser) {
      step('bundling for the browser')
      const apis = service.apis.map(({ name, route, doc }) => ({ name, route, ...(doc && { doc }) }))
      await bundleForBrowser(
        { serviceModule, version, title: name, description, apis, prefix: browser.prefix, runners: browser.runners },
        staging,
      )
    }
    const files = await copyIncluded(config.include ?? [], config.exclude ?? [], dir, join(staging, 'files'))

    const info: BentoInfo = {
      name,
      version,
      service: service.name,
      description,
      labels: config.labels ?? {},
      createdAt: new Date().toISOString(),
      tiffin: packageVersion(),
      models: models.all.map((m) => ({ tag: tagOf(m), size: m.size, sha256: m.sha256 })),
      ...describeService(service, models.byRunner),
      files,
      node: {
        entry: `node/${nodeEntry}`,
        port: config.node?.port ?? DEFAULTS.build.port,
        image: config.node?.image ?? DEFAULTS.build.image,
      },
      ...(browser && { browser }),
      deploy: deploymentsOf(config),
    }
    step('writing bento.json, openapi.json, serve.yaml, the Dockerfile and Kubernetes manifests')
    await writeFile(join(staging, BENTO_FILE), JSON.stringify(info, null, 2) + '\n')
    const serveYaml = serveConfigYaml(info, serveConfig)
    await writeFile(join(staging, DEFAULTS.build.serveConfig), serveYaml)
    await writeFile(join(staging, 'openapi.json'), JSON.stringify(service.openapi(), null, 2) + '\n')
    await writeFile(join(staging, 'README.md'), readme(info))
    await writeFile(join(staging, 'Dockerfile'), dockerfile(info))
    await writeFile(join(staging, '.dockerignore'), DOCKERIGNORE)
    step('packing the runtime and locking its packages')
    await writeFile(join(staging, 'package.json'), packageJson(info, await packRuntime(staging), onnxNodeVersion()))
    await writeLockfile(staging)
    await mkdir(join(staging, 'deploy', 'kubernetes'), { recursive: true })
    for (const [name, manifests] of kubernetesManifests(info, { config: serveConfig, text: serveYaml }))
      await writeFile(join(staging, 'deploy', 'kubernetes', name), manifestsYaml(manifests))
    return await options.bentos.commit(staging, info)
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  } finally {
    await service.shutdown()
  }
}

function checkRunners(service: Service, configured: readonly string[]): void {
  for (const name of configured) {
    if (!service.runners.some((r) => r.name === name))
      throw new BadInput(
        `The config sets up runner "${name}", but service "${service.name}" has ${service.runners.map((r) => r.name).join(', ') || 'no runners'}`,
      )
  }
  // Built workers find runnables by name (see provideRunnables), so two different ones cannot share it.
  const byName = new Map<string, Runnable>()
  for (const { runnable } of service.runners) {
    const key = `${runnable.name}#${runnable.exportName}`
    const seen = byName.get(key)
    if (seen && seen !== runnable)
      throw new BadInput(
        `Service "${service.name}" has two different runnables named "${runnable.name}"; give one another name`,
      )
    byName.set(key, runnable as Runnable)
  }
}

/** Every runner's models at exact versions, and the config's extra ones: what the bento carries. */
async function resolveModels(
  service: Service,
  extra: readonly string[],
  store: ModelStore,
): Promise<{ byRunner: Map<string, ModelInfo[]>; all: ModelInfo[] }> {
  const lookup = async (model: string | ModelInfo, who: string): Promise<ModelInfo> => {
    if (typeof model !== 'string') return model
    return store.get(model).catch((error: unknown) => {
      throw new BadInput(
        `${who} needs model "${model}", which ${store.location} does not have (${(error as Error).message}); save or import it first`,
      )
    })
  }
  const byRunner = new Map<string, ModelInfo[]>()
  for (const runner of service.runners) {
    byRunner.set(
      runner.name,
      await Promise.all((runner.options.models ?? []).map((m) => lookup(m, `Runner "${runner.name}"`))),
    )
  }
  const all = new Map<string, ModelInfo>()
  for (const model of [
    ...[...byRunner.values()].flat(),
    ...(await Promise.all(extra.map((m) => lookup(m, 'The config')))),
  ])
    all.set(tagOf(model), model)
  return { byRunner, all: [...all.values()] }
}

/** Copies the config's `include` files into `files/`, keeping their paths; none may come from outside the config's folder. */
async function copyIncluded(
  include: readonly string[],
  exclude: readonly string[],
  from: string,
  to: string,
): Promise<string[]> {
  if (include.length === 0) return []
  for (const pattern of include) {
    if (isAbsolute(pattern) || pattern.split('/').includes('..'))
      throw new BadInput(`include pattern "${pattern}" reaches outside the config's folder; use a path below it`)
  }
  const files = (
    await glob([...include], {
      cwd: from,
      ignore: [...exclude, '**/node_modules/**'],
      onlyFiles: true,
      followSymbolicLinks: false,
      dot: false,
    })
  ).sort()
  for (const file of files) {
    await mkdir(dirname(join(to, file)), { recursive: true })
    await copyFile(join(from, file), join(to, file))
  }
  return files
}

/** The onnxruntime-node version installed beside tiffin, for the bento's package.json. */
function onnxNodeVersion(): string | undefined {
  try {
    return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version
  } catch {
    return undefined
  }
}
