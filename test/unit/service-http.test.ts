// The example service over real HTTP: `tiffin serve` as a child process on 127.0.0.1, as a user runs it.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { ClientError, createClient } from '../../src/client/create-client.js'
import type { ImagePixels } from '../../src/io/image.js'
import { Overloaded } from '../../src/errors.js'
import * as io from '../../src/io/index.js'
import { errorResponse } from '../../src/service/http-errors.js'
import { Service } from '../../src/service/service.js'
import { fileStore } from '../../src/store/fs.js'
import { tensor, type Tensor } from '../../src/tensor/tensor.js'
import { linearModel } from '../fixtures/models.js'
import { service } from '../fixtures/services/example.js'
import { SLOW_MS } from '../fixtures/services/slow.js'
import { expectedStatuses, rows, runTable } from '../shared/http-table.js'
import { serveModule, type Served } from '../support/serve-child.js'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

const model = linearModel()
const x = model.sampleInputs(5).x as Tensor<'float32'>
const expectedY = model.reference({ x }).y!
let home: string
let example: Served
let slow: Served

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tiffin-http-'))
  await fileStore(home).save('linear', model.bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  ;[example, slow] = await Promise.all([
    serveModule('test/fixtures/services/example.ts', home),
    serveModule('test/fixtures/services/slow.ts', home),
  ])
})

afterAll(async () => {
  for (const served of [example, slow]) if (served?.child.exitCode === null) served.child.kill('SIGKILL')
  await service.shutdown()
  await rm(home, { recursive: true, force: true })
})

/** Samples of one metric family, as `labels → value`. */
function samples(exposition: string, name: string): Map<string, number> {
  const found = new Map<string, number>()
  for (const line of exposition.split('\n')) {
    const match = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line)
    if (match?.[1] === name) found.set(match[2] ?? '', Number(match[3]))
  }
  return found
}

function expectClose(actual: Tensor, expected: Tensor): void {
  expect(actual.dtype).toBe(expected.dtype)
  expect(actual.dims).toEqual(expected.dims)
  Array.from(expected.data as Float32Array).forEach((value, i) =>
    expect(actual.data[i] as number).toBeCloseTo(value, 5),
  )
}

describe('the example service over HTTP', () => {
  it('answers every request of the shared table with the expected status and body', async () => {
    const results = await runTable((request) => fetch(request), example.url)
    expect(results.map((r) => r.status)).toEqual(expectedStatuses)
    results.forEach((result, i) => {
      const { expected } = rows[i]!
      if (expected.body !== undefined) expect(result.body, result.name).toEqual(expected.body)
      if (expected.error) {
        expect(result.contentType, result.name).toMatch(/^application\/json/)
        const body = result.body as { error: string; message: string }
        expect(body.error, result.name).toBe(expected.error)
        for (const words of expected.messageHas ?? []) expect(body.message, result.name).toContain(words)
      }
    })
  })

  it('counts requests in /metrics by API and status, and shows the runner batching them', async () => {
    const metrics = await (await fetch(`${example.url}/metrics`)).text()
    const requests = samples(metrics, 'tiffin_http_requests_total')
    for (const status of [200, 400, 413, 415, 422])
      expect(requests.get(`{api="predict",status="${status}"}`), `predict ${status}`).toBeGreaterThan(0)
    expect(requests.get('{api="greet",status="422"}')).toBeGreaterThan(0)
    expect(requests.get('{api="shout",status="400"}')).toBeGreaterThan(0)
    expect(requests.get('{api="measure",status="200"}')).toBeGreaterThan(0)
    const batches = samples(metrics, 'tiffin_runner_batch_size_bucket')
    // The table's good predictions send 3 rows each: every batch so far fits the bucket of 4 items.
    expect(batches.get('{runner="linear",method="run",le="4"}')).toBeGreaterThan(0)
    expect(batches.get('{runner="linear",method="run",le="+Inf"}')).toBe(
      batches.get('{runner="linear",method="run",le="4"}'),
    )
    // What the runner runs on, and why, as a gauge of 1 labelled by backend and reason.
    const backend = [...samples(metrics, 'tiffin_runner_backend').entries()]
    expect(backend).toHaveLength(1)
    expect(backend[0]![0]).toMatch(/^\{runner="linear",backend="cpu",reason="[^"]+"\}$/)
    expect(backend[0]![1]).toBe(1)
  })

  it('serves /docs.json, which validates against the OpenAPI 3.1 schema', async () => {
    const doc = (await (await fetch(`${example.url}/docs.json`)).json()) as {
      openapi: string
      paths: Record<string, unknown>
    }
    const result = await new Validator().validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/predict', '/greet', '/shout', '/measure']))
  })

  it('echoes a request id it is sent, and invents one for a request that has none', async () => {
    const echoed = await fetch(`${example.url}/greet`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-42' },
    })
    expect(echoed.headers.get('x-request-id')).toBe('trace-42')
    expect(((await echoed.json()) as { requestId: string }).requestId).toBe('trace-42')
    const invented = await Promise.all([1, 2].map(() => fetch(`${example.url}/healthz`)))
    const ids = invented.map((r) => r.headers.get('x-request-id'))
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(ids[0]).not.toBe(ids[1])
    // An id with characters unsafe in logs is replaced, not echoed.
    expect(
      (await fetch(`${example.url}/healthz`, { headers: { 'x-request-id': 'a b<c>' } })).headers.get('x-request-id'),
    ).not.toBe('a b<c>')
  })
})

describe('the typed client', () => {
  it('calls predict, greet, shout and measure over HTTP and gets typed results', async () => {
    const client = createClient<typeof service>({ baseUrl: example.url })
    const y = await client.predict(x)
    expectTypeOf(y).toEqualTypeOf<Tensor>()
    expectClose(y, expectedY)
    const greeting = await client.greet({ name: 'Ada', times: 2 })
    expectTypeOf(greeting).toEqualTypeOf<unknown>() // io.json() without a schema: the output is not typed
    expect(greeting).toEqual({ greeting: 'hello, Ada hello, Ada' })
    const shouted = await client.shout('quiet, please')
    expectTypeOf(shouted).toEqualTypeOf<string>()
    expect(shouted).toBe('QUIET, PLEASE')
    const pixels: ImagePixels = {
      width: 1,
      height: 2,
      channels: 4,
      data: new Uint8ClampedArray([10, 20, 30, 255, 30, 40, 50, 255]),
    }
    expect(await client.measure(pixels)).toEqual({ width: 1, height: 2, mean: [20, 30, 40] })
  })

  it('throws a ClientError with the status, code, message and request id of a refused call', async () => {
    const client = createClient<typeof service>({ baseUrl: example.url, headers: { 'x-request-id': 'client-7' } })
    const error = await client.greet({ name: '' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClientError)
    expect(error).toMatchObject({ status: 422, code: 'unprocessable', requestId: 'client-7', retryAfterS: undefined })
    expect((error as ClientError).message).toContain('name: expected a non-empty string')
    const shape = await client.predict(tensor('float32', [1, 3], new Float32Array(3))).catch((e: unknown) => e)
    expect(shape).toMatchObject({
      status: 422,
      code: 'unprocessable',
      message: expect.stringContaining('expected shape [-1, 4]'),
    })
  })

  it('calls the service in process through service.fetch, with no HTTP server', async () => {
    await service.init({ platform: nodePlatform, store: fileStore(home) })
    const client = createClient<typeof service>({ fetch: service.fetch })
    expectClose(await client.predict(x), expectedY)
    expect(await client.shout('in process')).toBe('IN PROCESS')
  })
})

describe('the typed client with every kind of body', () => {
  // A service of its own, with no runners, answering in process: multipart, files, int64 tensors, 503s.
  const kinds = new Service('kinds')
    .api(
      {
        name: 'caption',
        input: io.multipart({ photo: io.image(), note: io.text(), meta: io.json<{ tags: string[] }>() }),
        output: io.multipart({ note: io.text(), size: io.json(), photo: io.image() }),
      },
      ({ photo, note, meta }) => ({
        note: `${note} [${meta.tags.join(', ')}]`,
        size: { width: photo.width, height: photo.height },
        photo,
      }),
    )
    .api({ name: 'echo', input: io.file(), output: io.file() }, (blob) => blob)
    .api({ name: 'increment', input: io.tensor({ dtype: 'int64' }), output: io.tensor() }, (t) =>
      tensor(
        'int64',
        t.dims,
        t.data.map((v) => v + 1n),
      ),
    )
    .api({ name: 'busy', input: io.json(), output: io.json() }, () => {
      throw new Overloaded('The runner is busy', 2.5)
    })
  const client = createClient<typeof kinds>({ fetch: kinds.fetch })

  it('sends a form and reads one back, field by field', async () => {
    const photo: ImagePixels = {
      width: 2,
      height: 1,
      channels: 4,
      data: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255]),
    }
    const answer = await client.caption({ photo, note: 'two pixels', meta: { tags: ['tiny', 'test'] } })
    expect(answer.note).toBe('two pixels [tiny, test]')
    expect(answer.size).toEqual({ width: 2, height: 1 })
    expectTypeOf(answer.photo).toEqualTypeOf<Blob>()
    expect(answer.photo.type).toBe('image/png')
  })

  it('sends a file as it is and keeps int64 values that a float would round', async () => {
    const echoed = await client.echo(new Blob(['plain bytes'], { type: 'application/x-custom' }))
    expect(echoed.type).toBe('application/x-custom')
    expect(await echoed.text()).toBe('plain bytes')
    const big = 2n ** 60n + 1n // not a float64: JSON numbers would lose the + 1
    const incremented = await client.increment(tensor('int64', [2], new BigInt64Array([big, -5n])))
    expect(incremented).toEqual({ dtype: 'int64', dims: [2], data: new BigInt64Array([big + 1n, -4n]) })
  })

  it('gives a 503 its Retry-After, and a foreign error body its text', async () => {
    const busy = await client.busy({}).catch((e: unknown) => e)
    expect(busy).toMatchObject({ status: 503, code: 'overloaded', message: 'The runner is busy', retryAfterS: 3 })
    const viaProxy = createClient<typeof kinds>({
      fetch: async (request) =>
        request.url.endsWith('/docs.json')
          ? kinds.fetch(request)
          : new Response('<h1>Bad gateway</h1>', { status: 502 }),
    })
    const proxied = await viaProxy.busy({}).catch((e: unknown) => e)
    expect(proxied).toMatchObject({
      status: 502,
      code: 'http_502',
      message: '<h1>Bad gateway</h1>',
      requestId: undefined,
    })
  })
})

describe('failures and shutdown', () => {
  it('answers a bug in a handler with a 500 that shows neither its message nor a stack', async () => {
    const logged: unknown[] = []
    const response = errorResponse(new TypeError('secret internals'), 'req-1', { log: (r) => logged.push(r.error) })
    const text = await response.text()
    expect(response.status).toBe(500)
    expect(JSON.parse(text)).toEqual({
      error: 'internal',
      message: 'The server failed to handle the request; the error was logged',
      requestId: 'req-1',
    })
    expect(text).not.toMatch(/secret|TypeError|\bat /)
    expect(logged).toHaveLength(1) // the details go to the log instead
    const overHttp = await fetch(`${slow.url}/broken`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    })
    expect(overHttp.status).toBe(500)
    const body = await overHttp.text()
    expect(JSON.parse(body)).toMatchObject({ error: 'internal' })
    expect(body).not.toMatch(/secret|TypeError|\.ts:\d+/)
  })

  it('counts a client that disconnects mid-request as 499, not as a server error, and logs nothing', async () => {
    const logged = slow.logMark()
    const controller = new AbortController()
    const gone = fetch(`${slow.url}/wait`, {
      method: 'POST',
      body: '{"ms":400}',
      headers: { 'content-type': 'application/json' },
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(), 100)
    await expect(gone).rejects.toThrow()
    await new Promise((resolve) => setTimeout(resolve, 500))
    const statuses = samples(await (await fetch(`${slow.url}/metrics`)).text(), 'tiffin_http_requests_total')
    expect(statuses.get('{api="wait",status="499"}')).toBe(1)
    expect(statuses.get('{api="wait",status="500"}')).toBeUndefined()
    expect(slow.loggedSince(logged)).toBe('')
  })

  it('on SIGTERM finishes the request in flight with a 200, then exits 0', async () => {
    const started = Date.now()
    const inFlight = fetch(`${slow.url}/wait`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    })
    // SIGTERM only once the server holds the request: sent earlier, it would find the port closed.
    const holding = async () =>
      samples(await (await fetch(`${slow.url}/metrics`)).text(), 'tiffin_http_requests_in_progress').get(
        '{api="wait"}',
      ) === 1
    while (!(await holding())) await new Promise((resolve) => setTimeout(resolve, 10))
    slow.child.kill('SIGTERM')
    const response = await inFlight
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ waitedMs: SLOW_MS })
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_MS)
    expect(await slow.exitCode).toBe(0)
    expect(slow.stdout()).toContain(
      'SIGTERM: /readyz answers 503 for 5000 ms while serving, then finishing requests in flight',
    )
  })
})
