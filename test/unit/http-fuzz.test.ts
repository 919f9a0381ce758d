// Hostile HTTP against `tiffin serve` on 127.0.0.1: random methods, paths, headers, content types and
// bodies, then raw bytes and requests cut short. No request gets a 500 or hangs, the server neither
// crashes nor logs an error, nothing stays counted in progress, and it answers a good request afterwards.
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, METHODS, request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileStore } from '../../src/store/fs.js'
import { linearModel } from '../fixtures/models.js'
import { normalise, rows } from '../shared/http-table.js'
import { body, contentType, tensorHeaders } from '../support/hostile.js'
import { serveModule, type LogMark, type Served } from '../support/serve-child.js'

let home: string
let served: Served
let port: number
// Kept-alive connections: a request must leave its connection fit for the next one, whatever it sent.
const agent = new Agent({ keepAlive: true, maxSockets: 4 })

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tiffin-fuzz-'))
  await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  served = await serveModule('test/fixtures/services/example.ts', home)
  port = Number(new URL(served.url).port)
})

afterAll(async () => {
  agent.destroy()
  if (served?.child.exitCode === null) served.child.kill('SIGKILL')
  await rm(home, { recursive: true, force: true })
})

const ROUTES = [
  '/predict',
  '/greet',
  '/shout',
  '/measure',
  '/healthz',
  '/livez',
  '/readyz',
  '/metrics',
  '/runners.json',
  '/docs',
  '/docs.json',
  '/',
]
// Every method Node's parser knows, and made-up ones (which the parser itself answers with a bare 400).
// CONNECT is left out: Node's HTTP server hands it to a 'connect' listener, not to the service.
const method = fc.oneof(fc.constantFrom(...METHODS), fc.stringMatching(/^[A-Z]{1,10}$/)).filter((m) => m !== 'CONNECT')
const path = fc.oneof(
  fc.constantFrom(...ROUTES),
  fc
    .tuple(
      fc.constantFrom(...ROUTES),
      fc.constantFrom('', '/', '/..', '/../predict', '?x=1', '?%zz', '%00', '%2e%2e/', '//predict', '#frag'),
    )
    .map(([a, b]) => a + b),
  // Any printable character but "\\", which Node's parser refuses in a request target with a bare 400.
  fc.stringMatching(/^\/[!-[\]-~]{0,40}$/),
)
/** Half the requests are POSTs to an API, where bodies are parsed; the rest go anywhere. */
const apiCall = fc.tuple(fc.constant('POST'), fc.constantFrom('/predict', '/greet', '/shout', '/measure'))

// Headers that frame the message (length, connection) are Node's to set: the body is sent as it is.
const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'host',
  'upgrade',
  'keep-alive',
  'expect',
  'te',
  'trailer',
])
const headers = fc
  .tuple(
    fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.stringMatching(/^[ -~]{0,40}$/), { maxKeys: 4 }),
    tensorHeaders,
    fc.option(contentType.filter((t): t is string => t !== undefined)),
    fc.option(
      fc.oneof(
        fc.constantFrom('application/x-npy', 'application/octet-stream', 'image/png', '*/*'),
        fc.stringMatching(/^[ -~]{0,20}$/),
      ),
    ),
    fc.option(fc.stringMatching(/^[ -~]{0,80}$/)),
  )
  .map(([random, tensor, type, accept, requestId]) => {
    const all: Record<string, string> = { ...random, ...tensor }
    if (type !== null) all['content-type'] = type
    if (accept !== null) all.accept = accept
    if (requestId !== null) all['x-request-id'] = requestId
    for (const name of Object.keys(all)) if (FRAMING.has(name)) delete all[name]
    return all
  })

async function bytesOf(payload: unknown): Promise<Uint8Array> {
  if (payload instanceof Uint8Array) return payload
  if (payload instanceof Blob) return new Uint8Array(await payload.arrayBuffer())
  return new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload))
}

/** Sends one request with node:http (which, unlike fetch, sends any method and header as given). */
function send(options: {
  method: string
  path: string
  headers: Record<string, string>
  body: Uint8Array
}): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    // A body gets its length: Node's client would send a GET's or a DELETE's body without any framing.
    const headers =
      options.body.length > 0 ? { ...options.headers, 'content-length': String(options.body.length) } : options.headers
    // A made-up method is a parse error to Node, which answers it and drops the connection: on a connection of its own.
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        agent: METHODS.includes(options.method) ? agent : false,
        ...options,
        headers,
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            type: String(response.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString(),
          }),
        )
        response.on('error', reject)
      },
    )
    request.on('timeout', () => request.destroy(new Error(`${options.method} ${options.path} hung`)))
    request.on('error', reject)
    request.end(options.body.length > 0 ? options.body : undefined)
  })
}

/** Requests counted in progress, from the server's /metrics. */
async function inProgress(): Promise<number> {
  const text = await (await fetch(`${served.url}/metrics`)).text()
  return [...text.matchAll(/^tiffin_http_requests_in_progress\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0)
}

async function expectHealthy(logged: LogMark): Promise<void> {
  expect(served.child.exitCode).toBeNull()
  const deadline = Date.now() + 10_000
  while ((await inProgress()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  expect(await inProgress()).toBe(0)
  // A good prediction, right after, answered right (the shared table's first row and its reference).
  const good = await fetch(rows[0]!.request(served.url))
  expect(good.status).toBe(200)
  expect(normalise(await good.json())).toEqual(rows[0]!.expected.body)
  expect(served.loggedSince(logged)).toBe('')
}

describe('hostile HTTP against tiffin serve', () => {
  it('random methods, paths, headers, content types and bodies never get a 500, and errors are JSON', async () => {
    const logged = served.logMark()
    await fc.assert(
      fc.asyncProperty(fc.oneof(apiCall, fc.tuple(method, path)), headers, body, async ([m, p], h, payload) => {
        // HEAD and TRACE carry no body (Node's parser refuses a TRACE with one, with a bare 400).
        const response = await send({
          method: m,
          path: p,
          headers: h,
          body: m === 'HEAD' || m === 'TRACE' ? new Uint8Array() : await bytesOf(payload),
        })
        expect(response.status, `${m} ${p}`).toBeLessThan(500)
        if (response.status >= 400 && m !== 'HEAD' && METHODS.includes(m)) {
          expect(response.type, `${m} ${p} ${response.status}`).toMatch(/^application\/json/)
          expect(typeof (JSON.parse(response.text) as { error?: unknown }).error).toBe('string')
        }
      }),
      { numRuns: 600 },
    )
    await expectHealthy(logged)
  }, 120_000)

  it('raw bytes, broken request heads and bodies cut short leave the server up, with nothing left in progress', async () => {
    const logged = served.logMark()
    const head = (route: string, length: number, type: string) =>
      `POST ${route} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${type}\r\ncontent-length: ${length}\r\n\r\n`
    const cutShort = fc
      .tuple(
        fc.constantFrom('/predict', '/shout', '/measure', '/greet'),
        fc.constantFrom('application/json', 'text/plain', 'image/png', 'application/x-npy'),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 100_000 }),
      )
      .map(([route, type, sent, missing]) =>
        Buffer.concat([Buffer.from(head(route, sent.length + missing, type)), sent]),
      )
    const garbage = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => Buffer.from(b)),
      fc.stringMatching(/^[ -~\r\n]{1,200}$/).map((s) => Buffer.from(s)),
      fc
        .constantFrom(
          'GET / HTTP/9.9\r\n\r\n',
          'POST /predict HTTP/1.1\r\ncontent-length: -1\r\n\r\n',
          'POST /predict HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
        )
        .map((s) => Buffer.from(s)),
    )
    await fc.assert(
      fc.asyncProperty(fc.oneof(cutShort, garbage), fc.boolean(), async (bytes, waitForAnswer) => {
        await new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
          // Either the client leaves mid-request, or it waits until the server answers or hangs up.
          socket.on('data', () => socket.destroy())
          socket.on('close', () => resolve())
          socket.on('error', () => undefined)
          setTimeout(() => (waitForAnswer ? socket.end() : socket.destroy()), waitForAnswer ? 50 : 5)
          setTimeout(() => reject(new Error('the server neither answered nor hung up within 10 s')), 10_000).unref()
        })
      }),
      { numRuns: 150 },
    )
    await expectHealthy(logged)
  }, 120_000)
})
