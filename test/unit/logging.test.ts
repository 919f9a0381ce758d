// What tiffin logs, and how: one logger for the server and its runners, text for a person or JSON lines
// for a collector; every line about a request carries its id, and no line holds a request's body.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { serve, type RunningServer } from '../../src/adapters/node/server.js'
import * as io from '../../src/io/index.js'
import { Runner } from '../../src/runner/runner.js'
import { Service } from '../../src/service/service.js'
import { fileStore } from '../../src/store/fs.js'
import { lineLogger, type LogRecord } from '../../src/telemetry/logger.js'
import { rateLimited } from '../../src/telemetry/rate-limited.js'
import { linearModel } from '../fixtures/models.js'
import scale from '../fixtures/runnables/scale.js'
import { predictOverHttp } from '../shared/linear-load.js'
import { right } from '../shared/load.js'
import { jsonLines, recordingLogger, until } from '../support/records.js'
import { serveModule, type Served } from '../support/serve-child.js'

const TIME = new Date('2026-12-01T10:00:00.000Z')

describe('log lines', () => {
  const failure = new TypeError('boom', { cause: new Error('underneath') })
  const record: LogRecord = {
    level: 'error',
    event: 'request.failed',
    message: 'A request failed with 500: TypeError: boom',
    fields: { requestId: 'r-1', api: 'predict', traceId: undefined },
    error: failure,
  }

  it('as JSON: one object a line, with the fields and the error, its stack and its cause', () => {
    const lines: string[] = []
    lineLogger(
      'json',
      (line) => lines.push(line),
      () => TIME,
    ).log(record)
    expect(lines).toHaveLength(1)
    expect(lines[0]!.endsWith('\n')).toBe(true)
    expect(lines[0]!.slice(0, -1)).not.toContain('\n')
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(entry).toMatchObject({
      time: '2026-12-01T10:00:00.000Z',
      level: 'error',
      event: 'request.failed',
      message: 'A request failed with 500: TypeError: boom',
      requestId: 'r-1',
      api: 'predict',
      error: { name: 'TypeError', message: 'boom', cause: { name: 'Error', message: 'underneath' } },
    })
    expect((entry.error as { stack: string }).stack).toMatch(/TypeError: boom\n\s+at /)
    expect(entry).not.toHaveProperty('traceId') // unset fields are left out
  })

  it('as text: the time, the level, the message and the fields, the stack indented below', () => {
    const lines: string[] = []
    lineLogger(
      'text',
      (line) => lines.push(line),
      () => TIME,
    ).log({
      ...record,
      fields: { ...record.fields, cause: 'exited with code 3' },
    })
    const [first, ...stack] = lines[0]!.trimEnd().split('\n')
    expect(first).toBe(
      '2026-12-01T10:00:00.000Z ERROR A request failed with 500: TypeError: boom requestId=r-1 api=predict cause="exited with code 3"',
    )
    expect(stack[0]).toBe('    TypeError: boom')
    expect(stack.every((l) => l.startsWith('    '))).toBe(true)
  })

  it('a kind of record logged at most once an interval, the ones held back counted into the next', () => {
    const logger = recordingLogger()
    let now = 0
    const limited = rateLimited(logger, 10_000, () => now)
    const refusal = (): LogRecord => ({ level: 'warn', event: 'runner.overloaded', message: 'refused' })
    for (let i = 0; i < 500; i++) limited('run queue_full', refusal)
    limited('run deadline', refusal) // another kind is its own
    now = 9_999
    limited('run queue_full', refusal)
    expect(logger.records.map((r) => r.fields?.suppressed)).toEqual([undefined, undefined])
    now = 10_000
    limited('run queue_full', refusal)
    expect(logger.records).toHaveLength(3)
    expect(logger.records[2]!.fields).toEqual({ suppressed: 500 })
  })
})

describe('what a server logs', () => {
  const running: RunningServer[] = []
  const children: Served[] = []
  const folders: string[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()))
  })
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL')
    await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })))
  })

  it('a request that fails with 500 logs one JSON line carrying the id the client got, and never its body', async () => {
    const served = await serveModule('test/fixtures/services/slow.ts', await mkdtemp(join(tmpdir(), 'tiffin-log-')), [
      '--log-format',
      'json',
    ])
    children.push(served)
    const mark = served.logMark()
    const response = await fetch(`${served.url}/broken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: 'body-marker-5f3a' }),
    })
    expect(response.status).toBe(500)
    const { requestId } = (await response.json()) as { requestId: string }
    expect(requestId).toBe(response.headers.get('x-request-id'))
    await until('the failure logged', () => served.loggedSince(mark).includes('request.failed'))
    const failed = jsonLines(served.loggedSince(mark)).filter((l) => l.event === 'request.failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ level: 'error', requestId, api: 'broken' })
    expect((failed[0]!.error as { stack: string }).stack).toMatch(/secret internals[^\n]*\n\s+at /)
    expect(served.stdout() + served.stderr()).not.toContain('body-marker-5f3a')
    // Every line of the process is JSON, the one that says where it listens included.
    const lines = served.stdout().trimEnd().split('\n')
    expect(jsonLines(served.stdout())).toHaveLength(lines.length)
    expect(jsonLines(served.stdout())[0]).toMatchObject({ event: 'server.listening', url: served.url })
  })

  it('a killed worker logs its exit, a replacement whose setup hangs its timeout, and the one after its start; /metrics counts both', async () => {
    const logger = recordingLogger()
    // Setup 1 starts the pool; setup 2, the first replacement, hangs until setupTimeoutMs; setup 3 runs.
    const counter = new Int32Array(new SharedArrayBuffer(4))
    const runner = new Runner(scale, {
      name: 'fragile',
      workers: 1,
      setupTimeoutMs: 5000,
      runnableInitParams: { factor: 2, setups: { counter, hang: [2] } },
    })
    const service = new Service('faults', { runners: [runner as Runner] }).api(
      { name: 'scale', input: io.json<number[]>(), output: io.json() },
      (numbers, { signal }) => runner.methods.scale.run(numbers, { signal }),
    )
    const server = await serve(service, { port: 0, logger })
    running.push(server)
    await expect(runner.methods.crash.run({ after: 10 })).rejects.toThrow(/worker 0 exited with code 3/)
    await until('the worker replaced', () => logger.of('worker.replaced').length > 0)
    const events = logger.records.filter((r) => r.event.startsWith('worker.'))
    expect(events.map((r) => [r.level, r.event])).toEqual([
      ['warn', 'worker.exited'],
      ['error', 'worker.setup_failed'],
      ['info', 'worker.replaced'],
    ])
    expect(events[0]!.fields).toEqual({ runner: 'fragile', worker: 'worker 0', cause: 'exited with code 3' })
    expect(events[1]!.fields).toMatchObject({ runner: 'fragile', worker: 'worker 0', attempt: 1 })
    expect(String(events[1]!.fields!.cause)).toMatch(/"setup" did not finish within 5000 ms/)
    expect(events[2]!.fields).toEqual({ runner: 'fragile', worker: 'worker 0', attempts: 2 })
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/^tiffin_runner_worker_restarts_total\{runner="fragile"\} 1$/m)
    expect(metrics).toMatch(/^tiffin_runner_worker_setup_failures_total\{runner="fragile"\} 1$/m)
    expect(
      await (
        await fetch(`${server.url}/scale`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '[4]',
        })
      ).json(),
    ).toEqual([8])
  }, 30_000)

  it('overload refusals are logged once, with runner, method and reason, however many there are', async () => {
    const logger = recordingLogger()
    const runner = new Runner(scale, {
      name: 'busy',
      workers: 1,
      maxBatchSize: 4,
      maxQueueItems: 8,
      runnableInitParams: { factor: 2, callDelayMs: 20 },
    })
    const service = new Service('busy', { runners: [runner as Runner] })
    running.push(await serve(service, { port: 0, logger }))
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => runner.methods.scale.run([i])))
    const refused = outcomes.filter((o) => o.status === 'rejected').length
    expect(refused).toBeGreaterThan(1)
    expect(runner.metrics()[0]!.rejections.queue_full).toBe(refused)
    expect(logger.of('runner.overloaded')).toEqual([
      {
        level: 'warn',
        event: 'runner.overloaded',
        message: expect.stringMatching(
          /^Runner "busy" refused calls to "scale" as overloaded: The queue of "scale" is full/,
        ),
        fields: { runner: 'busy', method: 'scale', reason: 'queue_full' },
      },
    ])
  })

  it('an API server logs a replica that drops, and again when it returns', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tiffin-log-replica-'))
    folders.push(home)
    await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
    const replica = await serveModule('test/fixtures/services/example.ts', home, ['--runner', 'linear'])
    children.push(replica)
    const port = new URL(replica.url).port
    const api = await serveModule('test/fixtures/services/example.ts', home, [
      '--runner-map',
      `linear=${replica.url}`,
      '--log-format',
      'json',
    ])
    children.push(api)
    const logged = (event: string) => jsonLines(api.stdout()).filter((l) => l.event === event)
    await until('the replica joined', () => logged('replica.joined').length === 1)
    expect(await predictOverHttp(api.url, 1, AbortSignal.timeout(10_000))).toEqual(right)
    replica.child.kill('SIGKILL')
    await replica.exitCode
    // The API server finds out on its next call to it (which then waits for a replica: this client leaves).
    await predictOverHttp(api.url, 3, AbortSignal.timeout(1000)).catch(() => undefined)
    await until('the drop logged', () => logged('replica.dropped').length === 1)
    expect(logged('replica.dropped')[0]).toMatchObject({ level: 'warn', runner: 'linear', replica: replica.url })
    children.push(await serveModule('test/fixtures/services/example.ts', home, ['--runner', 'linear', '--port', port]))
    await until('the return logged', () => logged('replica.returned').length === 1)
    expect(logged('replica.returned')[0]).toMatchObject({ level: 'info', runner: 'linear', replica: replica.url })
    expect(await predictOverHttp(api.url, 2, AbortSignal.timeout(10_000))).toEqual(right)
  }, 60_000)
})
