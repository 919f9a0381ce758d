// `tiffin build`, `tiffin bentos` and `tiffin serve <folder | tag>`, run as a user would, over real HTTP.
import { readFile, readdir, mkdtemp, rm, writeFile, mkdir, symlink, cp } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { Deployment } from 'kubernetes-models/apps/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { ConfigMap, Service as KubeService } from 'kubernetes-models/v1'
import { create } from 'tar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import type { BentoInfo } from '../../src/build/bento.js'
import { k8sName } from '../../src/build/kubernetes.js'
import { loadBuildConfig } from '../../src/build/config.js'
import { fileStore } from '../../src/store/fs.js'
import { tensor, type Tensor } from '../../src/tensor/tensor.js'
import { linearModel } from '../fixtures/models.js'
import {
  buildDemoBento,
  buildFixtureBento,
  copyElsewhere,
  tiffin,
  type FixtureBento,
} from '../support/bento-fixture.js'
import { serveModule, type Served } from '../support/serve-child.js'

let bento: FixtureBento
let info: BentoInfo
const made: string[] = []
const servers: Served[] = []

async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tiffin-build-test-'))
  made.push(folder)
  return folder
}

async function serve(target: string, home: string, args: string[] = []): Promise<Served> {
  const served = await serveModule(target, home, args)
  servers.push(served)
  return served
}

const post = async (url: string, body: unknown): Promise<{ status: number; json: unknown }> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: await response.json() }
}

/** Rows of a float32 [N, 3] answer against the linear model's plain-TypeScript reference. */
function expectLinear(rows: number[][], x: Tensor): void {
  const expected = linearModel().reference({ x }).y!
  expect(rows.length).toBe(x.dims[0])
  rows.flat().forEach((value, i) => expect(value).toBeCloseTo(expected.data[i] as number, 5))
}

beforeAll(async () => {
  bento = await buildFixtureBento()
  info = JSON.parse(await readFile(join(bento.path, 'bento.json'), 'utf8')) as BentoInfo
}, 120_000)

afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL')
  await bento?.remove()
  await Promise.all(made.map((f) => rm(f, { recursive: true, force: true })))
})

describe('tiffin build', () => {
  it('writes a versioned folder in the store, says what is in it in bento.json, and prints its path last', async () => {
    expect(bento.path).toBe(join(bento.home, 'bentos', 'fixture-bento', info.version))
    expect(bento.tag).toBe(`fixture-bento:${info.version}`)
    const model = await fileStore(bento.home).get('linear')
    expect(info).toMatchObject({
      name: 'fixture-bento',
      service: 'fixture',
      description: 'A service built by the tests.',
      labels: { team: 'tests' },
      models: [{ tag: `linear:${model.version}`, sha256: model.sha256, size: model.size }],
      files: ['data/notes.txt'],
      browser: { index: 'index.html', serviceWorker: 'sw.js', prefix: 'api', runners: 'both' },
    })
    expect(info.runners.map((r) => [r.name, r.runnable, r.models])).toEqual([
      ['linear', 'onnx', [`linear:${model.version}`]],
      ['doubler', 'double', []],
    ])
    expect(info.runners[0]!.methods.run).toMatchObject({ batchable: true, maxBatchSize: 16, batchDim: [0, 0] })
    expect(info.apis.map((a) => [a.route, a.input.kind, a.output.kind])).toEqual([
      ['/predict', 'tensor', 'tensor'],
      ['/double', 'json', 'json'],
    ])
    // The included file is there; the excluded one is not.
    expect(await readFile(join(bento.path, 'files/data/notes.txt'), 'utf8')).toBe('packed with the bento\n')
    expect(existsSync(join(bento.path, 'files/data/secret.txt'))).toBe(false)
    for (const file of [
      info.node.entry,
      'index.html',
      'sw.js',
      'openapi.json',
      'README.md',
      'Dockerfile',
      'package.json',
    ])
      expect(existsSync(join(bento.path, file)), file).toBe(true)
    expect((await fileStore(bento.path).verify(`linear:${model.version}`)).ok).toBe(true)
    expect(await readFile(join(bento.path, 'Dockerfile'), 'utf8')).toMatch(
      /CMD \["serve", "\.", "--host", "0\.0\.0\.0"\]/,
    )
    expect(JSON.parse(await readFile(join(bento.path, 'package.json'), 'utf8'))).toMatchObject({
      type: 'module',
      dependencies: { 'tiffin-serve': `file:runtime/tiffin-serve-${info.tiffin}.tgz` },
    })
    for (const file of [`runtime/tiffin-serve-${info.tiffin}.tgz`, 'package-lock.json', '.dockerignore'])
      expect(existsSync(join(bento.path, file)), file).toBe(true)
  })

  it('bundles the service without tiffin-serve, and keeps the runnable in a module of its own under its export name', async () => {
    const entry = await readFile(join(bento.path, info.node.entry), 'utf8')
    expect(entry).toMatch(/from "tiffin-serve"/)
    expect(entry).not.toMatch(/class Service\b/)
    const runnable = await readFile(join(bento.path, 'node/double.mjs'), 'utf8')
    expect(runnable).toMatch(/export \{ double \}/)
  })

  it('refuses a config with an unknown field or a runner the service lacks, in one line', async () => {
    const project = await tempFolder()
    await writeFile(join(project, 'tiffin.yaml'), 'service: ./service.ts\nreplica: 3\n')
    const unknown = await tiffin(bento.home, ['build', project])
    expect(unknown.code).toBe(2) // bad input, as for every command
    expect(unknown.stderr).toMatch(
      /^tiffin: .*tiffin\.yaml: "replica" is not a config field; expected one of service, name/,
    )

    const other = await tempFolder()
    await writeFile(join(other, 'package.json'), '{ "type": "module" }')
    await writeFile(
      join(other, 'service.ts'),
      `import { Service } from '${join(process.cwd(), 'src/index.js')}'\nexport default new Service('empty')\n`,
    )
    await writeFile(join(other, 'tiffin.yaml'), 'service: ./service.ts\nrunners:\n  ghost:\n    replicas: 2\n')
    const ghost = await tiffin(bento.home, ['build', other])
    expect(ghost.code).toBe(2)
    expect(ghost.stderr).toMatch(/\ntiffin: The config sets up runner "ghost", but service "empty" has no runners\n$/)
    expect(ghost.stderr).not.toMatch(/\n\s+at /)
    expect(await readdir(join(bento.home, 'bentos'))).toEqual(['fixture-bento']) // nothing half-built left behind
  })

  it('refuses bad serve and deployment settings in one line naming the key', async () => {
    const project = await tempFolder()
    const cases: [string, RegExp][] = [
      [
        'runners:\n  doubler:\n    batching:\n      maxBatchSize: 0\n',
        /runners\.doubler\.batching\.maxBatchSize must be a whole number of at least 1, got 0$/,
      ],
      [
        'runners:\n  doubler:\n    replica: 2\n',
        /runners\.doubler\.replica is not a setting here; expected replicas, resources, autoscaling, disruptionBudget, batching/,
      ],
      [
        'runners:\n  doubler:\n    autoscaling:\n      queue:\n        via: keda\n',
        /runners\.doubler\.autoscaling\.queue\.prometheus must be set for KEDA/,
      ],
      [
        'runners:\n  doubler:\n    autoscaling:\n      queue:\n        via: sqs\n',
        /queue\.via must be one of "custom-metrics", "keda", got "sqs"$/,
      ],
      ['api:\n  autoscaling:\n    queue:\n      via: keda\n', /api\.autoscaling\.queue is for runners only/],
      [
        'api:\n  workers: 2\n',
        /api\.workers is not a setting here; expected replicas, resources, autoscaling or disruptionBudget$/,
      ],
      [
        'api:\n  disruptionBudget:\n    maxUnavailable: 1\n    minAvailable: 1\n',
        /api\.disruptionBudget must set one of maxUnavailable and minAvailable/,
      ],
      [
        'http:\n  port: 8080\n',
        /http\.port and http\.host are not build settings; the container listens on node\.port$/,
      ],
      ['shutdown:\n  drainMs: soon\n', /shutdown\.drainMs must be a number of milliseconds of at least 0, got "soon"$/],
    ]
    for (const [yaml, message] of cases) {
      await writeFile(join(project, 'tiffin.yaml'), `service: ./service.ts\n${yaml}`)
      await expect(loadBuildConfig(project), yaml).rejects.toThrow(message)
    }
  })

  it('reads tiffin.yaml with paths relative to it', async () => {
    const project = await tempFolder()
    await mkdir(join(project, 'app'))
    await writeFile(join(project, 'tiffin.yaml'), 'service: ./app/service.ts\nlabels:\n  stage: prod\nbrowser: false\n')
    const loaded = await loadBuildConfig(project)
    expect(loaded.serviceModule).toBe(join(project, 'app/service.ts'))
    expect(loaded.config).toEqual({ service: './app/service.ts', labels: { stage: 'prod' }, browser: false })
  })
})

describe('tiffin serve <folder | tag>', () => {
  it('serves a copy of the folder over HTTP with the sources gone and an empty store, runnables in workers included', async () => {
    const copy = await copyElsewhere(bento.path)
    made.push(join(copy, '..'))
    const served = await serve(copy, await tempFolder())
    const x = linearModel().sampleInputs(5, 7).x!
    const rows = Array.from({ length: 5 }, (_, i) => Array.from(x.data.slice(i * 4, i * 4 + 4) as Float32Array))
    const predicted = await post(`${served.url}/predict`, rows)
    expect(predicted.status).toBe(200)
    expectLinear(predicted.json as number[][], tensor('float32', [5, 4], Float32Array.from(rows.flat())))

    // Concurrent calls to the custom runnable are batched in its worker, and each caller gets its own numbers.
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`${served.url}/double`, [i, i + 0.5])))
    answers.forEach((answer, i) => expect(answer).toEqual({ status: 200, json: [2 * i, 2 * i + 1] }))
    expect(await (await fetch(`${served.url}/docs.json`)).json()).toEqual(
      JSON.parse(await readFile(join(copy, 'openapi.json'), 'utf8')),
    )
  })

  it('serves a copy of the demo, built from demo/tiffin.config.ts, with an empty store', async () => {
    const demo = await buildDemoBento()
    const copy = await copyElsewhere(demo.path)
    made.push(join(copy, '..'))
    await demo.remove()
    const served = await serve(copy, await tempFolder())
    const rows = [
      [1, 2, 3, 4],
      [-1, 0.5, 2, 0],
    ]
    const answer = await post(`${served.url}/predict`, rows)
    expect(answer.status).toBe(200)
    expectLinear(answer.json as number[][], tensor('float32', [2, 4], Float32Array.from(rows.flat())))
    expect(await post(`${served.url}/describe`, { include: ['apis'] })).toMatchObject({
      status: 200,
      json: { service: 'demo', apis: [{ name: 'predict' }, { name: 'describe' }] },
    })
  }, 60_000)

  it('serves a bento by tag, and one runner of it for an API server that calls it remotely', async () => {
    const runner = await serve(bento.tag.split(':')[0]!, bento.home, ['--runner', 'doubler'])
    expect((await fetch(`${runner.url}/readyz`)).status).toBe(200)
    const api = await serve(bento.tag, bento.home, ['--runner-map', `doubler=${runner.url}`])
    expect(await post(`${api.url}/double`, [1.5, -2])).toEqual({ status: 200, json: [3, -4] })
    const metrics = await (await fetch(`${runner.url}/metrics`)).text()
    expect(metrics).toMatch(/tiffin_runner_items_total\{runner="doubler",method="run"\} 2\b/)
  })

  it('runs with the bento’s serve.yaml (the build config’s settings), unless --config names another file', async () => {
    const settingsOf = async (served: Served) => {
      const body = (await (await fetch(`${served.url}/runners.json`)).json()) as {
        runners: Record<string, { settings: { workers: unknown; methods: { run: { maxBatchSize: unknown } } } }>
      }
      const { workers, methods } = body.runners.doubler!.settings
      return { workers, maxBatchSize: methods.run.maxBatchSize }
    }
    const own = await serve(bento.tag, bento.home, ['--runner', 'doubler'])
    expect(await settingsOf(own)).toEqual({
      workers: { value: 2, from: 'config file' },
      maxBatchSize: { value: 8, from: 'config file' },
    })
    const file = join(await tempFolder(), 'other.yaml')
    await writeFile(file, 'runners:\n  doubler:\n    batching:\n      maxBatchSize: 3\n')
    const other = await serve(bento.tag, bento.home, ['--runner', 'doubler', '--config', file])
    expect(await settingsOf(other)).toEqual({
      workers: { value: 1, from: 'placement' }, // the bento's file is replaced, not merged
      maxBatchSize: { value: 3, from: 'config file' },
    })
    expect(info.runners.find((r) => r.name === 'doubler')!.methods.run).toMatchObject({ maxBatchSize: 8 })
  })

  it('says what it expected when the target is neither a folder, a module nor a bento tag', async () => {
    const result = await tiffin(bento.home, ['serve', 'no-such-bento:1234'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^tiffin: No bento named "no-such-bento"/)
  })
})

describe('tiffin bentos', () => {
  it('lists, shows, exports, deletes and imports a bento, which then serves as before', async () => {
    const home = await tempFolder()
    const archive = join(await tempFolder(), 'fixture.tiffin-bento')
    expect((await tiffin(bento.home, ['bentos', 'export', bento.tag, archive])).stdout.trim()).toBe(archive)

    expect((await tiffin(home, ['bentos', 'list'])).stdout).toMatch(/^No bentos in /)
    expect(await tiffin(home, ['bentos', 'import', archive])).toMatchObject({ code: 0, stdout: `${bento.tag}\n` })
    const listed = await tiffin(home, ['bentos', 'list'])
    expect(listed.stdout.split('\n')[1]).toMatch(
      new RegExp(`^${bento.tag}\\s+2\\s+linear,doubler\\s+\\d{4}-.* UTC\\s+team=tests$`),
    )
    const shown = JSON.parse(
      (await tiffin(home, ['bentos', 'show', 'fixture-bento', '--json'])).stdout,
    ) as BentoInfo & { path: string }
    expect(shown).toEqual({ ...info, path: join(home, 'bentos', 'fixture-bento', info.version) })
    expect((await fileStore(shown.path).verify(info.models[0]!.tag)).ok).toBe(true)

    expect(await tiffin(home, ['bentos', 'delete', 'fixture-bento'])).toMatchObject({
      code: 0,
      stdout: `${bento.tag}\n`,
    })
    expect((await tiffin(home, ['bentos', 'list'])).stdout).toMatch(/^No bentos in /)
  })

  it('refuses archives with links, paths out of the folder, damaged models or no tar at all, and leaves the store as it was', async () => {
    const home = await tempFolder()
    const work = await tempFolder()
    const attempts: [string, RegExp][] = []

    const linked = join(work, 'linked')
    await cp(bento.path, linked, { recursive: true })
    await symlink('/etc/passwd', join(linked, 'passwd'))
    await create({ gzip: true, file: join(work, 'linked.tiffin-bento'), cwd: linked }, ['bento.json', 'passwd'])
    attempts.push([join(work, 'linked.tiffin-bento'), /passwd is a SymbolicLink, not a file/])

    const inner = join(work, 'inner')
    await mkdir(inner)
    await writeFile(join(work, 'outside.txt'), 'escaped')
    await create({ gzip: true, file: join(work, 'escape.tiffin-bento'), cwd: inner, preservePaths: true }, [
      '../outside.txt',
    ])
    attempts.push([join(work, 'escape.tiffin-bento'), /\.\.\/outside\.txt leaves the bento's folder/])

    const damaged = join(work, 'damaged')
    await cp(bento.path, damaged, { recursive: true })
    const [name, version] = info.models[0]!.tag.split(':') as [string, string]
    const modelFile = join(damaged, 'models', name, version, 'model.onnx')
    const bytes = await readFile(modelFile)
    bytes[bytes.length - 1]! ^= 0xff
    await writeFile(modelFile, bytes)
    await create({ gzip: true, file: join(work, 'damaged.tiffin-bento'), cwd: damaged }, await readdir(damaged))
    attempts.push([join(work, 'damaged.tiffin-bento'), /model linear:\S+ is damaged \(model\.onnx: sha256 mismatch\)/])

    await writeFile(join(work, 'noise.tiffin-bento'), crypto.getRandomValues(new Uint8Array(4096)))
    attempts.push([join(work, 'noise.tiffin-bento'), /is not a readable bento archive/])

    for (const [file, message] of attempts) {
      const result = await tiffin(home, ['bentos', 'import', file])
      expect(result.code, file).toBe(1)
      expect(result.stderr, file).toMatch(/^tiffin: [^\n]+\n$/)
      expect(result.stderr, file).toMatch(message)
      expect(await readdir(join(home, 'bentos')).catch(() => []), file).toEqual([])
    }
  })
})

describe('the Kubernetes manifests', () => {
  type Doc = { kind: string; metadata: { name: string }; spec: Record<string, never> }
  let files: Map<string, Doc[]>

  beforeAll(async () => {
    const folder = join(bento.path, 'deploy', 'kubernetes')
    files = new Map()
    for (const file of (await readdir(folder)).sort()) {
      files.set(
        file,
        parseAllDocuments(await readFile(join(folder, file), 'utf8')).map((d) => d.toJSON() as Doc),
      )
    }
  })

  // The manifests as the test reads them: only the fields it looks at.
  type Container = {
    args: string[]
    ports: { name: string }[]
    env: { name: string; value?: string; valueFrom?: unknown }[]
    resources: { requests: Record<string, string>; limits?: Record<string, string> }
    volumeMounts: { name: string; mountPath: string }[]
    readinessProbe: { httpGet: { path: string; port: string } }
    livenessProbe: { httpGet: { path: string } }
  }
  type DeploymentDoc = {
    spec: {
      replicas: number
      selector: { matchLabels: Record<string, string> }
      template: {
        metadata: { labels: Record<string, string> }
        spec: {
          containers: Container[]
          volumes: { name: string; configMap: { name: string } }[]
          terminationGracePeriodSeconds: number
        }
      }
    }
  }
  const deployment = (file: string) => files.get(file)![0] as unknown as DeploymentDoc
  const container = (file: string) => deployment(file).spec.template.spec.containers[0]!

  it('validate against the Kubernetes schemas and KEDA’s: a ConfigMap, and per component a Deployment, a Service, an autoscaler and a PodDisruptionBudget', () => {
    expect([...files.keys()]).toEqual(['api.yaml', 'config.yaml', 'runner-doubler.yaml', 'runner-linear.yaml'])
    const models = {
      ConfigMap,
      Deployment,
      Service: KubeService,
      HorizontalPodAutoscaler,
      PodDisruptionBudget,
      ScaledObject,
    } as const
    const kinds = (file: string) => files.get(file)!.map((d) => d.kind)
    expect(kinds('config.yaml')).toEqual(['ConfigMap'])
    for (const file of ['api.yaml', 'runner-linear.yaml'])
      expect(kinds(file), file).toEqual(['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'])
    // Scaled by KEDA as the build config chose: a ScaledObject, and no HPA of tiffin's beside it.
    expect(kinds('runner-doubler.yaml')).toEqual(['Deployment', 'Service', 'ScaledObject', 'PodDisruptionBudget'])
    for (const [file, docs] of files)
      for (const doc of docs)
        expect(() => new models[doc.kind as keyof typeof models](doc as never).validate(), file).not.toThrow()
    // The validators do fail on a wrong object.
    const [, , scaled] = files.get('runner-doubler.yaml')!
    expect(() => new ScaledObject({ ...scaled, spec: { triggers: 'cpu' } } as never).validate()).toThrow()
  })

  it('hold the serve config in one ConfigMap that every Deployment mounts and passes with --config', async () => {
    const [configMap] = files.get('config.yaml')! as unknown as [
      { metadata: { name: string }; data: Record<string, string> },
    ]
    expect(configMap.data['serve.yaml']).toBe(await readFile(join(bento.path, 'serve.yaml'), 'utf8'))
    expect(parse(configMap.data['serve.yaml']!)).toEqual({
      runners: {
        linear: { batching: { maxLatencyMs: 2000 } },
        doubler: { workers: 2, batching: { maxBatchSize: 8 } },
      },
      shutdown: { delayMs: 10000 },
    })
    for (const file of ['api.yaml', 'runner-doubler.yaml', 'runner-linear.yaml']) {
      const { spec } = deployment(file).spec.template
      expect(spec.volumes, file).toEqual([{ name: 'config', configMap: { name: configMap.metadata.name } }])
      expect(spec.containers[0]!.volumeMounts, file).toEqual([
        { name: 'config', mountPath: '/etc/tiffin', readOnly: true },
      ])
      expect(spec.containers[0]!.args.join(' '), file).toContain('--config /etc/tiffin/serve.yaml')
      // On SIGTERM: the 10 s shutdown delay of the config, the 30 s drain, and 10 s for the runners to stop.
      expect(spec.terminationGracePeriodSeconds, file).toBe(50)
    }
  })

  it('wire the API server to each runner through its Service, probe /readyz and /livez, and carry the config settings', () => {
    const api = container('api.yaml')
    expect(deployment('api.yaml').spec.replicas).toBe(2)
    expect(api.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' })
    expect(api.livenessProbe.httpGet.path).toBe('/livez')
    expect(api.ports.map((p) => p.name)).toContain('http')
    for (const runner of ['linear', 'doubler']) {
      const [, service] = files.get(`runner-${runner}.yaml`)! as unknown as [
        unknown,
        { metadata: { name: string }; spec: { ports: { port: number }[] } },
      ]
      expect(api.args).toContain(`${runner}=http://${service.metadata.name}:${service.spec.ports[0]!.port}`)
      expect(container(`runner-${runner}.yaml`).args.join(' ')).toBe(
        `serve . --runner ${runner} --host 0.0.0.0 --port 3000 --config /etc/tiffin/serve.yaml`,
      )
    }
    const doubler = deployment('runner-doubler.yaml')
    expect(doubler.spec.replicas).toBe(2)
    expect(doubler.spec.template.metadata.labels).toMatchObject(doubler.spec.selector.matchLabels)
    const [, , , budget] = files.get('runner-doubler.yaml')! as unknown as [
      unknown,
      unknown,
      unknown,
      { spec: unknown },
    ]
    expect(budget.spec).toEqual({ selector: { matchLabels: doubler.spec.selector.matchLabels }, minAvailable: 1 })
    const [, , , apiBudget] = files.get('api.yaml')! as unknown as [unknown, unknown, unknown, { spec: unknown }]
    expect(apiBudget.spec).toMatchObject({ maxUnavailable: 1 })
  })

  it('ask for the CPU the placement uses, and give the runners exactly that (TIFFIN_CPUS from the request)', () => {
    // doubler: 2 workers from the build config, single-threaded, and the server's thread: 3 cores.
    expect(container('runner-doubler.yaml').resources).toEqual({
      requests: { cpu: '3', memory: '256Mi' },
      limits: { memory: '512Mi' },
    })
    // linear: ONNX Runtime threads itself; it asks for 2 cores and its one worker gets 2 threads.
    expect(container('runner-linear.yaml').resources.requests).toEqual({ cpu: '2', memory: '1Gi' })
    expect(container('api.yaml').resources.requests).toEqual({ cpu: '500m', memory: '512Mi' })
    for (const file of ['api.yaml', 'runner-doubler.yaml', 'runner-linear.yaml'])
      expect(container(file).env, file).toContainEqual({
        name: 'TIFFIN_CPUS',
        valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1' } },
      })
    expect(info.runners.find((r) => r.name === 'doubler')).toMatchObject({ workers: 2, multiThreaded: false })
    expect(info.runners.find((r) => r.name === 'linear')).toMatchObject({ workers: 1, multiThreaded: true })
  })

  it('scale runners on their queue: an HPA on the custom metric, or a KEDA ScaledObject on Prometheus, CPU beside it', () => {
    const [, , hpa] = files.get('runner-linear.yaml')! as unknown as [
      unknown,
      unknown,
      { spec: { metrics: unknown[] } },
    ]
    expect(hpa.spec.metrics).toEqual([
      {
        type: 'Pods',
        pods: {
          metric: { name: 'tiffin_runner_queued_items', selector: { matchLabels: { runner: 'linear' } } },
          target: { type: 'AverageValue', averageValue: '32' },
        },
      },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ])
    const [, , scaled] = files.get('runner-doubler.yaml')! as unknown as [
      unknown,
      unknown,
      { spec: Record<string, unknown> },
    ]
    expect(scaled.spec).toEqual({
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'fixture-bento-runner-doubler',
      },
      minReplicaCount: 2,
      maxReplicaCount: 6,
      triggers: [
        {
          type: 'prometheus',
          // The default target: a full batch waiting per pod, the runner's maxBatchSize from the config.
          metadata: {
            serverAddress: 'http://prometheus.monitoring:9090',
            query: 'sum(tiffin_runner_queued_items{runner="doubler"})',
            threshold: '8',
          },
        },
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } },
      ],
    })
    const [, , apiHpa] = files.get('api.yaml')! as unknown as [
      unknown,
      unknown,
      { spec: { metrics: { type: string }[] } },
    ]
    expect(apiHpa.spec.metrics.map((m) => m.type)).toEqual(['Resource']) // CPU where nothing else is chosen
  })

  it('name things as DNS labels', () => {
    expect(k8sName('My_Service.v2', 'runner', 'OCR')).toBe('my-service-v2-runner-ocr')
    expect(k8sName('a'.repeat(80)).length).toBe(63)
  })
})
