// What /metrics holds for an operator, read with a Prometheus text parser: the process's figures under
// their conventional names, what is serving, each runner's workers and why its batches went out, and
// requests refused before handling, counted with their status and timed as they took.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageVersion } from '../../src/package-info.js'
import { fileStore } from '../../src/store/fs.js'
import { linearModel } from '../fixtures/models.js'
import { predictOverHttp } from '../shared/linear-load.js'
import { right } from '../shared/load.js'
import { parseMetrics, type Families } from '../support/prometheus.js'
import { until } from '../support/records.js'
import { serveModule, type Served } from '../support/serve-child.js'

let home: string
let served: Served
const metrics = async (): Promise<Families> => parseMetrics(await (await fetch(`${served.url}/metrics`)).text())

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tiffin-metrics-'))
  await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  served = await serveModule('test/fixtures/services/example.ts', home)
}, 60_000)
afterAll(async () => {
  if (served?.child.exitCode === null) served.child.kill('SIGKILL')
  await rm(home, { recursive: true, force: true })
})

describe('/metrics, as Prometheus reads it', () => {
  it('holds the process’s CPU, memory, event-loop lag and open handles under their conventional names', async () => {
    const m = await metrics()
    for (const [name, type] of [
      ['process_cpu_seconds_total', 'COUNTER'],
      ['process_cpu_user_seconds_total', 'COUNTER'],
      ['process_resident_memory_bytes', 'GAUGE'],
      ['nodejs_heap_size_used_bytes', 'GAUGE'],
      ['nodejs_eventloop_lag_p99_seconds', 'GAUGE'],
      ['nodejs_active_resources_total', 'GAUGE'],
      ['process_open_fds', 'GAUGE'],
    ] as const)
      expect(m.type(name), name).toBe(type)
    expect(m.value('process_cpu_seconds_total')).toBeGreaterThan(0)
    expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20)
    expect(m.value('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0)
    expect(m.value('nodejs_active_resources_total')).toBeGreaterThan(0) // the listening socket, at least
    expect(m.value('process_open_fds')).toBeGreaterThan(0)
    const started = m.value('process_start_time_seconds')!
    expect(started).toBeLessThanOrEqual(Date.now() / 1000 + 1)
    expect(started).toBeGreaterThan(Date.now() / 1000 - 3600)
    expect(m.value('nodejs_version_info', { version: process.version })).toBe(1)
  })

  it('says what is serving: the tiffin version and the service', async () => {
    const m = await metrics()
    expect(m.type('tiffin_build_info')).toBe('GAUGE')
    expect(m.samples('tiffin_build_info')).toEqual([
      { labels: { version: packageVersion(), service: 'example', bento: '', bento_version: '' }, value: 1 },
    ])
  })

  it('counts each runner’s workers, restarts and setup failures, and why each batch went out', async () => {
    for (let seed = 0; seed < 20; seed++)
      expect(await predictOverHttp(served.url, seed, AbortSignal.timeout(10_000))).toEqual(right)
    const m = await metrics()
    expect(m.value('tiffin_runner_workers', { runner: 'linear' })).toBe(1)
    expect(m.type('tiffin_runner_worker_restarts_total')).toBe('COUNTER')
    expect(m.value('tiffin_runner_worker_restarts_total', { runner: 'linear' })).toBe(0)
    expect(m.value('tiffin_runner_worker_setup_failures_total', { runner: 'linear' })).toBe(0)
    const dispatches = m.samples('tiffin_runner_dispatches_total')
    expect(dispatches.length).toBeGreaterThan(0)
    for (const { labels } of dispatches) {
      expect(labels).toMatchObject({ runner: 'linear', method: 'run' })
      expect(['full', 'deadline', 'keeps_up', 'every_caller_is_waiting', 'arrivals_paused', 'learning']).toContain(
        labels.reason,
      )
    }
    const executions = m.value('tiffin_runner_executions_total', { runner: 'linear', method: 'run' })!
    expect(executions).toBeGreaterThanOrEqual(1)
    expect(dispatches.reduce((n, d) => n + d.value, 0)).toBe(executions)
  })

  it('counts requests refused before handling with their own status and reason, timed as they took', async () => {
    expect((await fetch(`${served.url}/shout`)).status).toBe(405)
    const tooLarge = await fetch(`${served.url}/shout`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(300 * 1024), // over the service's 256 KiB
    })
    expect(tooLarge.status).toBe(413)
    // A body of no stated length that goes over the limit only after 300 ms: refused then, and timed so.
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array(1024))
        await new Promise((resolve) => setTimeout(resolve, 300))
        controller.enqueue(new Uint8Array(260 * 1024))
        controller.close()
      },
    })
    await fetch(`${served.url}/shout`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: stream,
      duplex: 'half',
    } as RequestInit).catch(() => undefined) // the server may close the connection before the body is all sent
    await until(
      'both 413s counted',
      async () => (await metrics()).value('tiffin_http_requests_total', { api: 'shout', status: '413' }) === 2,
    )
    const m = await metrics()
    expect(m.type('tiffin_http_requests_refused_total')).toBe('COUNTER')
    expect(m.value('tiffin_http_requests_refused_total', { api: 'shout', status: '405' })).toBe(1)
    expect(m.samples('tiffin_http_requests_refused_total').filter((s) => s.labels.api === 'shout')).toEqual([
      { labels: { api: 'shout', status: '405', reason: 'method_not_allowed' }, value: 1 },
      { labels: { api: 'shout', status: '413', reason: 'body_too_large' }, value: 2 },
    ])
    expect(m.value('tiffin_http_requests_total', { api: 'shout', status: '405' })).toBe(1)
    // Their durations are what they took: the streamed one past 0.25 s, not 0 s.
    const count = m.value('tiffin_http_request_duration_seconds_count', { api: 'shout' })!
    expect(count).toBe(3)
    expect(m.value('tiffin_http_request_duration_seconds_sum', { api: 'shout' })).toBeGreaterThanOrEqual(0.3)
    expect(m.value('tiffin_http_request_duration_seconds_bucket', { api: 'shout', le: '0.25' })).toBe(2)
  })
})
