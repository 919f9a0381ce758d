// The serve config (`tiffin serve --config`): its layer in the precedence, its checks, and a server run with
// it over real HTTP on 127.0.0.1, as `tiffin serve` child processes.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { onnxRunner } from '../../src/onnx/models.js'
import { Runner } from '../../src/runner/runner.js'
import { checkServeConfig } from '../../src/service/serve-config.js'
import { Service } from '../../src/service/service.js'
import { fileStore } from '../../src/store/fs.js'
import { linearModel } from '../fixtures/models.js'
import scale from '../fixtures/runnables/scale.js'
import { tiffin } from '../support/bento-fixture.js'
import { predictOverHttp } from '../shared/linear-load.js'
import { underLoad, type Outcome } from '../shared/load.js'
import { serveModule, type Served } from '../support/serve-child.js'

const SERVICE = 'test/fixtures/services/configurable.ts'
const made: string[] = []
const children: Served[] = []

async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tiffin-serve-config-'))
  made.push(folder)
  return folder
}

async function serve(home: string, args: string[], env: Record<string, string> = {}): Promise<Served> {
  const served = await serveModule(SERVICE, home, args, env)
  children.push(served)
  return served
}

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL')
  await Promise.all(made.map((f) => rm(f, { recursive: true, force: true })))
})

/** Ten rows at once: a call a runner with maxBatchSize n cuts into ceil(10 / n) batches. */
const tenRows = JSON.stringify(Array.from({ length: 10 }, (_, i) => [i, 1, 2, 3]))
const post = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })

/** A counter or gauge of /metrics for one runner's `run`. */
async function metric(url: string, name: string, runner: string, extra = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = new RegExp(`^${name}\\{runner="${runner}",method="run"${extra}\\} (\\S+)$`, 'm').exec(text)
  return Number(line?.[1] ?? NaN)
}

type Settings = {
  settings: {
    workers: { value: number; from: string }
    timeoutMs: { value: number; from: string }
    setupTimeoutMs: { value: number; from: string }
    methods: Record<string, Record<string, { value: unknown; from: string }>>
  }
  placement: { reason: string }
}
const runners = async (url: string) =>
  ((await (await fetch(`${url}/runners.json`)).json()) as { runners: Record<string, Settings> }).runners

describe('the config file layer', () => {
  it('sits below the runner’s own options and method configs and above the service’s config; per-method settings win over runner-wide ones in each layer', async () => {
    const runner = new Runner(scale, {
      name: 'r',
      platform: nodePlatform,
      runnableInitParams: { factor: 2 },
      maxLatencyMs: 40,
      methodConfigs: { scale: { maxQueueItems: 9 } },
    })
    const service = new Service('svc', {
      runners: [runner],
      config: {
        runners: {
          r: {
            timeoutMs: 1234,
            batching: { maxBatchSize: 99, maxQueueItems: 99, methods: { whoami: { maxBatchSize: 7 } } },
          },
        },
      },
    })
    service.configure(
      {
        runners: {
          r: {
            workers: 1,
            setupTimeoutMs: 5000,
            batching: { maxBatchSize: 8, maxLatencyMs: 5, methods: { scale: { maxBatchSize: 4 } } },
          },
        },
      },
      'test.yaml',
    )
    await service.init({ platform: nodePlatform })
    try {
      const { methods, workers, timeoutMs, setupTimeoutMs } = runner.settings!
      expect(methods.scale).toMatchObject({
        maxBatchSize: { value: 4, from: 'config file' }, // the file's method section over its runner-wide 8
        maxLatencyMs: { value: 40, from: 'runner options' }, // the code's option over the file's 5
        maxQueueItems: { value: 9, from: 'method config' }, // the code's method config over both
        enabled: { value: true, from: 'default' },
      })
      // The file's runner-wide setting over the service config's, even the service config's per-method one.
      expect(methods.whoami!.maxBatchSize).toEqual({ value: 8, from: 'config file' })
      expect(methods.scaleTensor!.maxQueueItems).toEqual({ value: 99, from: 'service config' })
      expect([workers, timeoutMs, setupTimeoutMs]).toEqual([
        { value: 1, from: 'config file' },
        { value: 1234, from: 'service config' },
        { value: 5000, from: 'config file' },
      ])
      expect(runner.workers.live).toBe(1)
      expect(await runner.methods.scale.run([1, 2])).toEqual([2, 4])
    } finally {
      await service.shutdown()
    }
  })

  it('is refused when it names a runner, a method or a resource the service does not have, or comes after the start', async () => {
    const runner = new Runner(scale, { name: 'r', platform: nodePlatform, runnableInitParams: { factor: 1 } })
    const service = new Service('svc', { runners: [runner] })
    expect(() => service.configure({ runners: { ghost: {} } }, 'f.yaml')).toThrow(
      /^f\.yaml: runners\.ghost names no runner of service "svc"; it has r$/,
    )
    expect(() => service.configure({ runners: { r: { batching: { methods: { predict: {} } } } } }, 'f.yaml')).toThrow(
      /^f\.yaml: runners\.r\.batching\.methods\.predict names no method of runner "r"; it has scale, scaleTensor/,
    )
    expect(() => service.configure({ runners: { r: { resource: 'webgpu' } } }, 'f.yaml')).toThrow(
      /^f\.yaml: runners\.r\.resource must be one of cpu, wasm \(what runnable "scale" runs on\), got "webgpu"$/,
    )
    await service.initLocal({ platform: nodePlatform })
    expect(() => service.configure({})).toThrow(/has started; configure it before that/)
    await service.shutdown()
  })

  it('holds the README’s example file, for the README’s example service', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    const example = /\n```yaml\n(# tiffin\.serve\.yaml\n[\s\S]*?)\n```/.exec(readme)?.[1]
    const config = checkServeConfig(parse(example!), 'README.md')
    const service = new Service('example', {
      runners: [onnxRunner('linear:latest', { maxBatchSize: 32 }), onnxRunner('detector:latest')],
    })
    expect(() => service.configure(config, 'README.md')).not.toThrow()
    expect(Object.keys(config.runners!)).toEqual(['detector', 'linear'])
  })

  it('is checked field by field, each bad field refused in one line naming the key and what is allowed', () => {
    const cases: [unknown, RegExp][] = [
      [[1], /^f: the config must be a mapping with runners, http, logging or shutdown, got \[1\]$/],
      [{ runner: {} }, /^f: runner is not a setting here; expected runners, http, logging or shutdown$/],
      [
        { runners: { linear: { maxBatchSize: 4 } } },
        /^f: runners\.linear\.maxBatchSize is not a setting here; expected batching, workers, resource, timeoutMs, setupTimeoutMs or urls$/,
      ],
      [
        { runners: { linear: { batching: { maxBatchSize: 0 } } } },
        /^f: runners\.linear\.batching\.maxBatchSize must be a whole number of at least 1, got 0$/,
      ],
      [
        { runners: { linear: { batching: { methods: { run: { maxLatencyMs: 'soon' } } } } } },
        /^f: runners\.linear\.batching\.methods\.run\.maxLatencyMs must be a number of milliseconds above 0, got "soon"$/,
      ],
      [
        { runners: { linear: { batching: { methods: { run: { methods: {} } } } } } },
        /^f: runners\.linear\.batching\.methods\.run\.methods is not a setting here; expected enabled, maxBatchSize, maxLatencyMs or maxQueueItems$/,
      ],
      [{ runners: { linear: { batching: { enabled: 'yes' } } } }, /enabled must be true or false, got "yes"$/],
      [
        { runners: { linear: { workers: 1.5 } } },
        /runners\.linear\.workers must be a whole number of at least 1, got 1\.5$/,
      ],
      [{ runners: { linear: { resource: 'gpu' } } }, /resource must be one of "webgpu", "wasm", "cpu", got "gpu"$/],
      [{ runners: { linear: { urls: ['ftp://x'] } } }, /runners\.linear\.urls must be a list of http\(s\) URLs/],
      [{ http: { port: 70000 } }, /^f: http\.port must be a whole number from 0 to 65535, got 70000$/],
      [{ http: { maxInFlight: 0 } }, /http\.maxInFlight must be a whole number of at least 1, got 0$/],
      [{ http: { cors: { origin: [] } } }, /http\.cors\.origin must be an origin or a list of origins, got \[\]$/],
      [{ logging: { format: 'xml' } }, /^f: logging\.format must be one of "text", "json", got "xml"$/],
      [{ shutdown: { delayMs: -1 } }, /^f: shutdown\.delayMs must be a number of milliseconds of at least 0, got -1$/],
    ]
    for (const [config, message] of cases)
      expect(() => checkServeConfig(config, 'f'), JSON.stringify(config)).toThrow(message)
    const good = {
      runners: { linear: { batching: { methods: { run: { maxBatchSize: 2 } } } } },
      shutdown: { delayMs: 0 },
    }
    expect(checkServeConfig(good, 'f')).toEqual(good)
  })
})

describe('tiffin serve --config', () => {
  let home: string
  let work: string
  let served: Served
  const config = `# every kind of setting the file holds
runners:
  linear:
    workers: 2
    timeoutMs: 20000
    batching:
      maxBatchSize: 32
      maxLatencyMs: 4000
      methods:
        run:
          maxBatchSize: 4
  pinned:
    workers: 2
    batching:
      maxBatchSize: 2
      maxLatencyMs: 100
http:
  maxBodyBytes: 4096
logging:
  access: true
  format: json
shutdown:
  delayMs: 3000
`

  beforeAll(async () => {
    home = await tempFolder()
    work = await tempFolder()
    await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
    await writeFile(join(work, 'tiffin.serve.yaml'), config)
    served = await serve(home, ['--config', join(work, 'tiffin.serve.yaml')])
  }, 60_000)

  it('runs each runner with the file’s settings where the code leaves them unset, and GET /runners.json says where each came from', async () => {
    const { linear, pinned } = await runners(served.url)
    expect(linear!.settings.workers).toEqual({ value: 2, from: 'config file' })
    expect(linear!.settings.timeoutMs).toEqual({ value: 20000, from: 'config file' })
    expect(linear!.settings.setupTimeoutMs).toEqual({ value: 120000, from: 'default' })
    expect(linear!.settings.methods.run).toMatchObject({
      maxBatchSize: { value: 4, from: 'config file' },
      maxLatencyMs: { value: 4000, from: 'config file' },
      maxQueueItems: { value: 1000, from: 'service config' },
    })
    expect(pinned!.settings.workers).toEqual({ value: 1, from: 'runner options' })
    expect(pinned!.settings.methods.run).toMatchObject({
      maxBatchSize: { value: 16, from: 'runner options' },
      maxLatencyMs: { value: 5000, from: 'method config' },
    })
  })

  it('cuts a call at the file’s per-method maxBatchSize, where the code’s own maxBatchSize wins on the other runner', async () => {
    const before = await Promise.all(
      ['linear', 'pinned'].map((r) => metric(served.url, 'tiffin_runner_executions_total', r)),
    )
    expect((await post(`${served.url}/predict`, tenRows)).status).toBe(200)
    expect((await post(`${served.url}/pinned`, tenRows)).status).toBe(200)
    const after = await Promise.all(
      ['linear', 'pinned'].map((r) => metric(served.url, 'tiffin_runner_executions_total', r)),
    )
    // 10 rows in batches of at most 4 take at least 3 (how they split depends on which worker is free when);
    // the pinned runner takes all 10 at once.
    expect(after[0]! - before[0]!).toBeGreaterThanOrEqual(3)
    expect(after[1]! - before[1]!).toBe(1)
  })

  it('batches at most the configured maxBatchSize under load, every answer right (read back from /metrics)', async () => {
    const report = await underLoad(300, 32, (i, signal) => predictOverHttp(served.url, i, signal))
    expect(report).toEqual({ right: 300, refused: {}, problems: [] })
    const count = await metric(served.url, 'tiffin_runner_batch_size_count', 'linear')
    const upTo4 = await metric(served.url, 'tiffin_runner_batch_size_bucket', 'linear', ',le="4"')
    expect(count).toBeGreaterThanOrEqual(300 / 4)
    expect(upTo4).toBe(count)
  }, 60_000)

  it('takes the file’s http settings over the service’s own, and logs each request as JSON', async () => {
    const big = JSON.stringify(Array.from({ length: 400 }, () => [1.5, 2.5, 3.5, 4.5])) // 7 KB: over 4096 bytes, under 256 KiB
    expect((await post(`${served.url}/predict`, big)).status).toBe(413)
    const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const deadline = Date.now() + 10_000
      const look = () => {
        const found = served
          .stdout()
          .split('\n')
          .find((l) => l.includes('"status":413'))
        if (found) resolve(JSON.parse(found) as Record<string, unknown>)
        else if (Date.now() > deadline) reject(new Error(`no access log line in ${served.stdout()}`))
        else setTimeout(look, 50)
      }
      look()
    })
    expect(line).toMatchObject({ method: 'POST', path: '/predict', status: 413 })
    expect(line.requestId).toMatch(/^[\w-]{8,}$/)
  })

  it('on SIGTERM under load, answers /readyz with 503 while it still serves; a load generator that stops then loses no request', async () => {
    let stop = false
    let sent = false
    let answeredAfter = 0
    const outcomes: Outcome[] = []
    let readyz: { status: number; body: unknown } | undefined
    const watcher = (async () => {
      while (!stop) {
        const response = await fetch(`${served.url}/readyz`)
        const body: unknown = await response.json()
        if (response.status === 503) {
          readyz = { status: response.status, body }
          stop = true // as an endpoints controller would: no new requests go to this server
        } else await new Promise((r) => setTimeout(r, 20))
      }
    })()
    let seed = 1000
    const loops = Array.from({ length: 16 }, async () => {
      while (!stop) {
        const outcome = await predictOverHttp(served.url, seed++, AbortSignal.timeout(20_000)).catch(
          (error: unknown): Outcome => ({ problem: String(error) }),
        )
        outcomes.push(outcome)
        if (sent) answeredAfter++
        if (!sent && outcomes.length === 200) {
          sent = true
          served.child.kill('SIGTERM')
        }
      }
    })
    await Promise.all([watcher, ...loops])
    expect(outcomes.filter((o) => !('right' in o))).toEqual([])
    expect(answeredAfter).toBeGreaterThan(0)
    expect(readyz).toEqual({ status: 503, body: expect.objectContaining({ status: 'stopping' }) })
    expect(await served.exitCode).toBe(0)
    expect(served.stdout()).toMatch(/"message":"SIGTERM: \/readyz answers 503 for 3000 ms while serving/)
  }, 60_000)
})

describe('a bad serve config stops tiffin serve before it listens, in one line (exit 2)', () => {
  const cases: [string, string, RegExp][] = [
    [
      'unknown.yaml',
      'runners:\n  linear:\n    batching:\n      maxBatchsize: 4\n',
      /runners\.linear\.batching\.maxBatchsize is not a setting here; expected enabled, maxBatchSize/,
    ],
    [
      'value.yaml',
      'runners:\n  linear:\n    batching:\n      maxBatchSize: -2\n',
      /runners\.linear\.batching\.maxBatchSize must be a whole number of at least 1, got -2/,
    ],
    [
      'ghost.yaml',
      'runners:\n  ghost:\n    workers: 2\n',
      /runners\.ghost names no runner of service "configurable"; it has linear, pinned/,
    ],
    [
      'method.json',
      '{ "runners": { "linear": { "batching": { "methods": { "predict": {} } } } } }',
      /runners\.linear\.batching\.methods\.predict names no method of runner "linear"; it has run/,
    ],
    ['broken.yaml', 'runners: [linear\n', /broken\.yaml: is not YAML \(/],
    ['broken.json', '{ "runners": ', /broken\.json: is not JSON \(/],
  ]
  let work: string
  beforeAll(async () => {
    work = await tempFolder()
    for (const [file, text] of cases) await writeFile(join(work, file), text)
  })

  const expectRefused = (result: { code: number; stdout: string; stderr: string }, message: RegExp) => {
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^tiffin: [^\n]+\n$/)
    expect(result.stderr).toMatch(message)
    expect(result.stdout).not.toMatch(/serving/)
  }

  for (const [file, , message] of cases) {
    it.concurrent(file, async () => {
      expectRefused(await tiffin(work, ['serve', SERVICE, '--port', '0', '--config', join(work, file)]), message)
    })
  }

  it.concurrent('a file named by TIFFIN_CONFIG, and a file that is not there', async () => {
    const env = await tiffin(work, ['serve', SERVICE, '--port', '0'], undefined, {
      TIFFIN_CONFIG: join(work, 'ghost.yaml'),
    })
    expectRefused(env, /ghost\.yaml: runners\.ghost names no runner/)
    const missing = await tiffin(work, ['serve', SERVICE, '--config', join(work, 'nope.yaml')])
    expectRefused(missing, /nope\.yaml: cannot read the serve config \(no such file\)/)
  })
})

describe('remote runners and the serve config', () => {
  it('a runner replica reads its own section, and an API server finds the replica in the file’s urls', async () => {
    const home = await tempFolder()
    const apiHome = await tempFolder()
    const work = await tempFolder()
    await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
    await writeFile(
      join(work, 'replica.yaml'),
      'runners:\n  linear:\n    batching:\n      methods:\n        run:\n          maxBatchSize: 5\n',
    )
    const replica = await serve(home, ['--runner', 'linear', '--config', join(work, 'replica.yaml')])
    expect((await runners(replica.url)).linear!.settings.methods.run!.maxBatchSize).toEqual({
      value: 5,
      from: 'config file',
    })
    await writeFile(join(work, 'api.yaml'), `runners:\n  linear:\n    urls: [${replica.url}]\n`)
    // `linear` runs on the replica; `pinned` runs here, and needs the model in this store.
    await fileStore(apiHome).save('linear', linearModel().bytes, {
      signatures: { run: { batchable: true, batchDim: 0 } },
    })
    const server = await serve(apiHome, ['--config', join(work, 'api.yaml')])
    const before = await metric(replica.url, 'tiffin_runner_executions_total', 'linear')
    expect((await post(`${server.url}/predict`, tenRows)).status).toBe(200)
    expect((await metric(replica.url, 'tiffin_runner_executions_total', 'linear')) - before).toBe(2) // 5 + 5 rows
    const { linear } = await runners(server.url)
    expect(linear!.placement.reason).toMatch(/^delegated/)
    expect(linear!.settings.methods.run!.enabled).toEqual({ value: false, from: 'remote runner' })
  }, 90_000)
})
