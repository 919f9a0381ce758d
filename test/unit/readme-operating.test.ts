// The README's "Operating it", held to the code: its log lines are what the logger writes, its event
// table is every event tiffin logs, its two tracing files trace as they are, and its metric families and
// dashboard queries name what /metrics holds.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as otel from '@opentelemetry/api'
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { serve, type RunningServer } from '../../src/adapters/node/server.js'
import * as io from '../../src/io/index.js'
import { Runner } from '../../src/runner/runner.js'
import { Service } from '../../src/service/service.js'
import { fileStore } from '../../src/store/fs.js'
import { lineLogger } from '../../src/telemetry/logger.js'
import type { Telemetry } from '../../src/telemetry/telemetry.js'
import { linearModel } from '../fixtures/models.js'
import scale from '../fixtures/runnables/scale.js'
import { service as example } from '../fixtures/services/example.js'
import { service as slow } from '../fixtures/services/slow.js'
import { predictOverHttp } from '../shared/linear-load.js'
import { right } from '../shared/load.js'
import { parseMetrics } from '../support/prometheus.js'
import { codeSpans, readmeBlocks, readmeFiles, readmeTable } from '../support/readme.js'
import { recordingLogger, until } from '../support/records.js'
import { serveModule, type Served } from '../support/serve-child.js'

const SECTION = 'Operating it'
const files = readmeFiles(SECTION)
// Inside the repository, so that the files find @opentelemetry/* and `tiffin-serve` as an app would.
const DIR = join(process.cwd(), '.tiffin-test', 'readme-operating')
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`

// What the README's telemetry.ts registers: a console exporter. Its spans are kept here, not printed.
const printed: { name: string; traceId: string }[] = []
let telemetry: Telemetry
let home: string
const running: RunningServer[] = []
const children: Served[] = []

beforeAll(async () => {
  vi.spyOn(console, 'dir').mockImplementation((span: { name: string; traceId: string }) => void printed.push(span))
  await mkdir(DIR, { recursive: true })
  await writeFile(join(DIR, 'telemetry.ts'), files['telemetry.ts']!)
  await writeFile(join(DIR, 'tracing.mjs'), files['tracing.mjs']!)
  ;({ telemetry } = (await import(join(DIR, 'telemetry.ts'))) as { telemetry: Telemetry })
  home = await mkdtemp(join(tmpdir(), 'tiffin-readme-operating-'))
  await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
})
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()))
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL')
  otel.trace.disable()
  vi.restoreAllMocks()
  await rm(home, { recursive: true, force: true })
  await rm(DIR, { recursive: true, force: true })
})

/** The spans the README's telemetry.ts has exported so far: its batch processor, flushed. */
async function exported(): Promise<typeof printed> {
  await ((otel.trace.getTracerProvider() as otel.ProxyTracerProvider).getDelegate() as BasicTracerProvider).forceFlush()
  return printed
}

describe('the README’s log lines', () => {
  const [text, json] = readmeBlocks(SECTION, 'text')[0]!.split('\n')

  it('the text line is what a worker that crashed logs, as the text logger writes it', async () => {
    const logger = recordingLogger()
    const runner = new Runner(scale, { name: 'scale', workers: 1, runnableInitParams: { factor: 2 } })
    await runner.init({ platform: nodePlatform, telemetry: { logger } })
    try {
      await expect(runner.methods.crash.run({ after: 10 })).rejects.toThrow(/exited with code 3/)
      await until('the exit logged', () => logger.of('worker.exited').length > 0)
    } finally {
      await runner.shutdown()
    }
    const lines: string[] = []
    const at = new Date(text!.slice(0, 24))
    lineLogger(
      'text',
      (line) => lines.push(line),
      () => at,
    ).log(logger.of('worker.exited')[0]!)
    expect(lines).toEqual([`${text}\n`])
  })

  it('the JSON line has the fields, in their order, of a request that failed with tracing on', async () => {
    const lines: string[] = []
    const server = await serve(slow, {
      port: 0,
      logger: lineLogger('json', (line) => lines.push(line)),
      tracing: telemetry.tracing,
    })
    running.push(server)
    const response = await fetch(`${server.url}/broken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(response.status).toBe(500)
    const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'request.failed')!
    const shown = JSON.parse(json!) as Record<string, unknown>
    expect(Object.keys(failed)).toEqual(Object.keys(shown))
    expect(Object.keys(failed.error as object)).toEqual(Object.keys(shown.error as object))
    expect(failed).toMatchObject({ level: shown.level, event: shown.event, api: shown.api })
    expect(failed.requestId).toBe(response.headers.get('x-request-id'))
  })

  it('the table of events names every event tiffin logs, and no other', async () => {
    const documented = readmeTable(SECTION, 'event').flatMap(([events]) => codeSpans(events!))
    const logged = new Set<string>()
    const sources = (await readdir('src', { recursive: true })).filter((f) => f.endsWith('.ts'))
    for (const file of sources)
      for (const line of (await readFile(join('src', file), 'utf8')).split('\n'))
        if (/\bevent: /.test(line)) for (const [, name] of line.matchAll(/'([a-z]+\.[a-z_]+)'/g)) logged.add(name!)
    expect(logged.size).toBeGreaterThan(10)
    expect([...documented].sort()).toEqual([...logged].sort())
  })
})

describe('the README’s tracing files, as they are', () => {
  it('tracing.mjs, imported before tiffin serve starts, traces a request under the trace its traceparent names', async () => {
    const served = await serveModule('test/fixtures/services/example.ts', home, [], {
      NODE_OPTIONS: `--import=${join(DIR, 'tracing.mjs')}`,
    })
    children.push(served)
    const response = await fetch(`${served.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: '[[1, 2, 3, 4]]',
    })
    expect(response.status).toBe(200)
    // The console exporter prints each span as an object, once the batch processor sends it on (every 5 s):
    // the request's span ends after the runner's, so it may come in the next batch.
    const names = ['POST /predict', 'queue linear.run', 'execute linear.run']
    await until('the spans printed', () => names.every((name) => served.stdout().includes(`name: '${name}'`)))
    expect(served.stdout()).toContain(`traceId: '${TRACE_ID}'`)
  }, 60_000)

  it('telemetry.ts, given to a service, traces its API call and the runner calls under it', async () => {
    const runner = new Runner(scale, { name: 'double', workers: 1, runnableInitParams: { factor: 2 } })
    const service = new Service('traced', { runners: [runner as Runner] }).api(
      { name: 'twice', input: io.json<number[]>(), output: io.json() },
      async (numbers, { signal }) =>
        runner.methods.scale.run(await runner.methods.scale.run(numbers, { signal }), { signal }),
    )
    await service.init({ platform: nodePlatform, telemetry })
    try {
      const response = await service.fetch(
        new Request('http://local/twice', {
          method: 'POST',
          headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
          body: '[1,2]',
        }),
      )
      expect(await response.json()).toEqual([4, 8])
    } finally {
      await service.shutdown()
    }
    const spans = (await exported()).filter((s) => s.name.endsWith('twice') || s.name.endsWith('double.scale'))
    expect(spans.map((s) => s.name).sort()).toEqual([
      'POST /twice',
      'execute double.scale',
      'execute double.scale',
      'queue double.scale',
      'queue double.scale',
    ])
    // No propagator is registered in telemetry.ts (as in a page): the API span starts a trace of its own.
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1)
  })
})

describe('the README’s metrics', () => {
  let metrics: ReturnType<typeof parseMetrics>
  beforeAll(async () => {
    const server = await serve(example, { port: 0, store: fileStore(home), tracing: false })
    running.push(server)
    for (let seed = 0; seed < 5; seed++)
      expect(await predictOverHttp(server.url, seed, AbortSignal.timeout(10_000))).toEqual(right)
    expect((await fetch(`${server.url}/shout`)).status).toBe(405) // a request refused before handling
    metrics = parseMetrics(await (await fetch(`${server.url}/metrics`)).text())
  }, 60_000)

  /** A histogram's `_bucket`, `_sum` and `_count` belong to its family. */
  const family = (name: string) => (metrics.type(name) ? name : name.replace(/_(bucket|sum|count)$/, ''))

  it('every family of the table is in /metrics, with the labels the table gives it', () => {
    for (const [families, , labels] of readmeTable(SECTION, 'family')) {
      const names = codeSpans(families!)
      const expected = codeSpans(labels!)
      for (const name of names) {
        expect(metrics.type(name), name).toBeDefined()
        const has = new Set(metrics.samples(name).flatMap((s) => Object.keys(s.labels)))
        if (expected.length === 0 || name !== names[0]) continue // the labels are the first family's
        for (const label of expected) expect(has, `${name}{${label}}`).toContain(label)
      }
    }
  })

  it('every metric and label the dashboard queries name is in /metrics', () => {
    const queries = readmeBlocks(SECTION, 'promql')[0]!
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
    expect(queries.length).toBeGreaterThan(5)
    for (const query of queries) {
      const names = [...query.matchAll(/\b(?:tiffin|process|nodejs)_\w+/g)].map(([name]) => name)
      expect(names.length, query).toBeGreaterThan(0)
      for (const name of names) expect(metrics.type(family(name)), `${name} in ${query}`).toBeDefined()
      // `by (labels) (… metric` and `metric{label=…}`: each label is on that metric's samples.
      const labelled = [
        ...[...query.matchAll(/by \(([\w, ]+)\) \([^a-z]*(?:\w+\()?(\w+)/g)].map(([, labels, name]) => ({
          name: name!,
          labels: labels!.split(', '),
        })),
        ...[...query.matchAll(/(\w+)\{(\w+)=/g)].map(([, name, label]) => ({ name: name!, labels: [label!] })),
      ]
      for (const { name, labels } of labelled) {
        const has = new Set(metrics.samples(name).flatMap((s) => Object.keys(s.labels)))
        for (const label of labels.filter((l) => l !== 'pod'))
          expect(has, `${name}{${label}} in ${query}`).toContain(label)
      }
    }
  })
})
