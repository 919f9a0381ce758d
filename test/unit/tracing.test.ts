// Traces through OpenTelemetry: one trace from an API server into a runner replica, each process with the
// SDK's in-memory exporter; runner calls nested under their API call with no context manager at all; and
// a server that has no OpenTelemetry installed serving just the same.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as otel from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { registeredTracing } from '../../src/adapters/node/opentelemetry.js'
import * as io from '../../src/io/index.js'
import { Runner } from '../../src/runner/runner.js'
import { Service } from '../../src/service/service.js'
import { fileStore } from '../../src/store/fs.js'
import { openTelemetryTracing } from '../../src/telemetry/opentelemetry.js'
import { linearModel } from '../fixtures/models.js'
import scale from '../fixtures/runnables/scale.js'
import { predictOverHttp } from '../shared/linear-load.js'
import { right } from '../shared/load.js'
import { recordingLogger } from '../support/records.js'
import { serveModule, type Served } from '../support/serve-child.js'

const REGISTER = fileURLToPath(new URL('../support/otel-register.mjs', import.meta.url))
const WITHOUT = fileURLToPath(new URL('../support/without-opentelemetry.mjs', import.meta.url))
const SERVICE = 'test/fixtures/services/example.ts'

interface ExportedSpan {
  readonly name: string
  readonly kind: number
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly attributes: Record<string, unknown>
  readonly pid: number
}

const folders: string[] = []
const children: Served[] = []
const folder = async (): Promise<string> => {
  const made = await mkdtemp(join(tmpdir(), 'tiffin-tracing-'))
  folders.push(made)
  return made
}
let home: string

beforeAll(async () => {
  home = await folder()
  await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
})
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL')
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })))
})

/** `tiffin serve` with a tracer provider registered, as `node --import ./tracing.js` does; its spans go to `spans`. */
async function tracedServe(args: string[], spans: string): Promise<Served> {
  const served = await serveModule(SERVICE, home, args, {
    NODE_OPTIONS: `--import ${REGISTER}`,
    TIFFIN_TEST_SPANS: spans,
  })
  children.push(served)
  return served
}

describe('a trace across an API server and a runner replica', () => {
  it('one trace holds the API span, its queue and execution spans, and the replica’s own under them', async () => {
    const dir = await folder()
    const replica = await tracedServe(['--runner', 'linear'], join(dir, 'replica.json'))
    const api = await tracedServe(['--runner-map', `linear=${replica.url}`], join(dir, 'api.json'))
    // The client's own trace: the API server goes on in it.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const clientSpanId = '00f067aa0ba902b7'
    const response = await fetch(`${api.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${clientSpanId}-01` },
      body: JSON.stringify([[1, 2, 3, 4]]),
    })
    expect(response.status).toBe(200)
    const requestId = response.headers.get('x-request-id')
    for (const served of [api, replica]) served.child.kill('SIGINT')
    expect(await Promise.all([api.exitCode, replica.exitCode])).toEqual([0, 0])
    const read = async (file: string) => JSON.parse(await readFile(join(dir, file), 'utf8')) as ExportedSpan[]
    const [apiSpans, replicaSpans] = await Promise.all([read('api.json'), read('replica.json')])
    const inTrace = [...apiSpans, ...replicaSpans].filter((s) => s.traceId === traceId)
    expect(new Set(inTrace.map((s) => s.pid)).size).toBe(2)
    const one = (spans: ExportedSpan[], name: string) => {
      const found = spans.filter((s) => s.traceId === traceId && s.name === name)
      expect(found, name).toHaveLength(1)
      return found[0]!
    }

    const apiSpan = one(apiSpans, 'POST /predict')
    expect(apiSpan).toMatchObject({ kind: otel.SpanKind.SERVER, parentSpanId: clientSpanId })
    expect(apiSpan.attributes).toMatchObject({
      'http.route': '/predict',
      'http.response.status_code': 200,
      'tiffin.api': 'predict',
      'tiffin.request_id': requestId,
    })
    const queued = one(apiSpans, 'queue linear.run')
    const executed = one(apiSpans, 'execute linear.run')
    expect([queued.parentSpanId, executed.parentSpanId]).toEqual([apiSpan.spanId, apiSpan.spanId])
    expect(executed.attributes).toMatchObject({ 'tiffin.runner': 'linear', 'tiffin.batch_size': 1 })
    expect(executed.attributes['tiffin.worker']).toBe(`replica 0 (${replica.url})`)

    // The replica goes on under the API server's execution span, and batches there.
    const call = one(replicaSpans, 'POST /call/run')
    expect(call).toMatchObject({ kind: otel.SpanKind.SERVER, parentSpanId: executed.spanId })
    const replicaQueued = one(replicaSpans, 'queue linear.run')
    const replicaExecuted = one(replicaSpans, 'execute linear.run')
    expect([replicaQueued.parentSpanId, replicaExecuted.parentSpanId]).toEqual([call.spanId, call.spanId])
    expect(replicaExecuted.attributes).toMatchObject({
      'tiffin.runner': 'linear',
      'tiffin.method': 'run',
      'tiffin.worker': 'worker 0',
      'tiffin.backend': 'cpu',
      'tiffin.batch_size': 1,
      'tiffin.items': 1,
    })
  }, 60_000)
})

describe('tracing in one process', () => {
  it('is off until a tracer provider is registered, and then a runner call made after an await still nests under its API span, with no context manager', async () => {
    expect(await registeredTracing()).toBeUndefined() // the API is installed, but nothing is registered
    const exporter = new InMemorySpanExporter()
    otel.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
    const tracing = await registeredTracing()
    expect(tracing).toBeDefined()

    const runner = new Runner(scale, { name: 'double', runnableInitParams: { factor: 2 }, maxBatchSize: 8 })
    const service = new Service('traced', { runners: [runner as Runner] }).api(
      { name: 'twice', input: io.json<number[]>(), output: io.json() },
      async (numbers, { signal }) => {
        // Past an await the active context is lost without a context manager (as in a page): the signal carries it.
        await new Promise((resolve) => setTimeout(resolve, 5))
        const once = await runner.methods.scale.run(numbers, { signal })
        return runner.methods.scale.run(once, { signal })
      },
    )
    await service.initLocal({ platform: nodePlatform, telemetry: { logger: recordingLogger(), tracing } })
    try {
      const response = await service.fetch(
        new Request('http://local/twice', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '[1,2]',
        }),
      )
      expect(await response.json()).toEqual([4, 8])
    } finally {
      await service.shutdown()
    }
    const spans: ReadableSpan[] = exporter.getFinishedSpans()
    const apiSpan = spans.find((s: ReadableSpan) => s.name === 'POST /twice')!
    expect(apiSpan).toBeDefined()
    const children = spans.filter((s: ReadableSpan) => s !== apiSpan)
    expect(children.map((s: ReadableSpan) => s.name).sort()).toEqual([
      'execute double.scale',
      'execute double.scale',
      'queue double.scale',
      'queue double.scale',
    ])
    for (const span of children) {
      expect(span.spanContext().traceId).toBe(apiSpan.spanContext().traceId)
      expect(span.parentSpanContext?.spanId).toBe(apiSpan.spanContext().spanId)
    }
    otel.trace.disable()
  })

  it('a traced call refused by a full queue ends its queue span with the error', async () => {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    otel.trace.setGlobalTracerProvider(provider)
    const runner = new Runner(scale, {
      name: 'small',
      runnableInitParams: { factor: 2, callDelayMs: 50 },
      maxBatchSize: 1,
      maxQueueItems: 1,
    })
    await runner.initLocal({
      platform: nodePlatform,
      telemetry: { logger: recordingLogger(), tracing: openTelemetryTracing(otel) },
    })
    try {
      const outcomes = await Promise.allSettled([1, 2, 3].map((n) => runner.methods.scale.run([n])))
      expect(outcomes.map((o) => o.status)).toContain('rejected')
    } finally {
      await runner.shutdown()
      otel.trace.disable()
    }
    const spans: ReadableSpan[] = exporter.getFinishedSpans()
    const refused = spans.filter((s: ReadableSpan) => s.status.code === otel.SpanStatusCode.ERROR)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((s: ReadableSpan) => s.name === 'queue small.scale')).toBe(true)
    expect(refused[0]!.status.message).toMatch(/The queue of "scale" is full/)
    expect(refused[0]!.events.map((e: ReadableSpan['events'][number]) => e.name)).toEqual(['exception'])
  })
})

describe('without OpenTelemetry installed', () => {
  it('tiffin serve serves and answers /metrics, a traceparent header changing nothing', async () => {
    const served = await serveModule(SERVICE, home, [], { NODE_OPTIONS: `--import ${WITHOUT}` })
    children.push(served)
    expect(await predictOverHttp(served.url, 7, AbortSignal.timeout(10_000))).toEqual(right)
    const traced = await fetch(`${served.url}/shout`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      body: 'hi',
    })
    expect(await traced.text()).toBe('HI')
    expect((await fetch(`${served.url}/metrics`)).status).toBe(200)
    expect(served.stderr()).toBe('')
  }, 60_000)
})
