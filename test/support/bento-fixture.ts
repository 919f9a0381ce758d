// Builds a small service into a bento with `tiffin build`, as a user would, from a project in a temporary
// folder that is deleted afterwards: whatever serves the bento then has no sources to fall back on.
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { onnxModels } from '../../src/onnx/models.js'
import { fileStore } from '../../src/store/fs.js'
import { linearModel } from '../fixtures/models.js'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SRC = join(REPO_ROOT, 'src')
// By path, since the command may run in a folder with no node_modules.
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `tiffin …` from the repository's sources against `home`, in `cwd`; `extraEnv` adds to its environment. */
export function tiffin(
  home: string,
  args: readonly string[],
  cwd = REPO_ROOT,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  const env = { ...process.env, TIFFIN_HOME: home, TIFFIN_DEBUG: '', TIFFIN_CONFIG: '', ...extraEnv }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, join(SRC, 'cli.ts'), ...args],
      { cwd, env, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
      },
    )
  })
}

/** The project: an ONNX runner, a custom runnable in a module of its own, a config, and files to include. */
const PROJECT: Record<string, string> = {
  'double.ts': `import { defineRunnable } from '${SRC}/index.js'
export const double = defineRunnable<undefined, { run(xs: number[]): number[] }>({
  name: 'double',
  module: import.meta.url,
  exportName: 'double',
  resources: ['cpu', 'wasm'],
  methods: { run: { batchable: true } },
  setup: () => ({ run: (xs) => xs.map((x) => 2 * x) }),
})
`,
  'service.ts': `import { io, onnxRunner, Runner, Service } from '${SRC}/index.js'
import { double } from './double.js'
export const linear = onnxRunner('linear:latest', { maxBatchSize: 16, workers: 1 })
export const doubler = new Runner(double, { name: 'doubler' })
export default new Service('fixture', { runners: [linear, doubler] })
  .api({ name: 'predict', input: io.tensor({ dtype: 'float32', shape: [-1, 4], enforceShape: true }), output: io.tensor(), doc: 'y = xW + b' }, async (x, { signal }) => (await linear.run({ x }, { signal })).y!)
  .api({ name: 'double', input: io.json(), output: io.json(), doc: 'each number, doubled' }, (xs, { signal }) => doubler.run(xs as number[], { signal }))
`,
  'tiffin.config.ts': `import { defineConfig } from '${SRC}/node.js'
export default defineConfig({
  service: './service.ts',
  name: 'fixture-bento',
  description: 'A service built by the tests.',
  labels: { team: 'tests' },
  include: ['data/*.txt'],
  exclude: ['data/secret.txt'],
  api: { replicas: 2 },
  runners: {
    doubler: {
      replicas: 2, resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 6, targetCPUUtilization: 60, queue: { via: 'keda', prometheus: 'http://prometheus.monitoring:9090' } },
      disruptionBudget: { minAvailable: 1 },
      workers: 2, batching: { maxBatchSize: 8 },
    },
    linear: {
      resources: { requests: { cpu: '2' } },
      autoscaling: { queue: { via: 'custom-metrics', targetItems: 32 } },
      batching: { maxLatencyMs: 2000 },
    },
  },
  shutdown: { delayMs: 10000 },
})
`,
  'package.json': '{ "type": "module" }\n',
  'data/notes.txt': 'packed with the bento\n',
  'data/secret.txt': 'left out by exclude\n',
}

export interface FixtureBento {
  /** $TIFFIN_HOME: the model store and the bento store. */
  readonly home: string
  /** The bento's folder in the store. */
  readonly path: string
  readonly tag: string
  readonly build: CliResult
  remove(): Promise<void>
}

const BATCHABLE = { signatures: { run: { batchable: true, batchDim: 0 } } }

/** The fixture project, built from a temporary folder that is deleted once built. */
export async function buildFixtureBento(): Promise<FixtureBento> {
  const home = await mkdtemp(join(tmpdir(), 'tiffin-bento-home-'))
  const project = await mkdtemp(join(tmpdir(), 'tiffin-bento-project-'))
  await onnxModels(fileStore(home)).saveModel('linear', linearModel().bytes, BATCHABLE)
  for (const [file, text] of Object.entries(PROJECT)) {
    await mkdir(join(project, file, '..'), { recursive: true })
    await writeFile(join(project, file), text)
  }
  const build = await tiffin(home, ['build'], project)
  await rm(project, { recursive: true, force: true }) // the sources are gone from here on
  return built(home, build)
}

/** The demo service, built with demo/tiffin.config.ts as the README shows. */
export async function buildDemoBento(): Promise<FixtureBento> {
  const home = await mkdtemp(join(tmpdir(), 'tiffin-bento-home-'))
  await onnxModels(fileStore(home)).saveModel(
    'demo-linear',
    await readFile(join(REPO_ROOT, 'demo/models/linear.onnx')),
    BATCHABLE,
  )
  return built(home, await tiffin(home, ['build', 'demo']))
}

function built(home: string, build: CliResult): FixtureBento {
  if (build.code !== 0) throw new Error(`tiffin build failed (${build.code}):\n${build.stderr}`)
  const lines = build.stdout.trimEnd().split('\n')
  return {
    home,
    path: lines.at(-1)!,
    tag: lines.at(-2)!.replace(/^built /, ''),
    build,
    remove: () => rm(home, { recursive: true, force: true }),
  }
}

/** A copy of a folder somewhere new, as a deployment would get it. */
export async function copyElsewhere(folder: string): Promise<string> {
  const copy = join(await mkdtemp(join(tmpdir(), 'tiffin-bento-copy-')), 'bento')
  await cp(folder, copy, { recursive: true })
  return copy
}
