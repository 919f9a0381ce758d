// A table of HTTP requests, good and bad, for the example service (test/fixtures/services/example.ts),
// with what each should get back. Runtime-free: the same table runs against `tiffin serve` from Node and
// against a Service Worker from inside a page, and the normalised results of two servers compare equal.
import { encode as encodePng } from 'fast-png'
import { linearModel } from '../fixtures/models.js'

export interface Expected {
  readonly status: number
  /** The whole normalised body, where it is known in advance. */
  readonly body?: unknown
  /** For an error: the body's `error` code, and words its message must hold (what was wrong, what was expected). */
  readonly error?: string
  readonly messageHas?: readonly string[]
}

export interface TableRow {
  readonly name: string
  readonly expected: Expected
  request(base: string): Request
}

export interface TableResult {
  readonly name: string
  readonly status: number
  readonly contentType: string | null
  readonly body: unknown
}

// ---- inputs and their expected answers, computed here rather than by the service ----

const model = linearModel()
const x = model.sampleInputs(3).x!
const xRows = nestRows(Array.from(x.data as Float32Array), 4)
const predicted = normalise(nestRows(Array.from(model.reference({ x }).y!.data as Float32Array), 3))

/** 2×2 RGBA pixels: red, green, blue and white, all opaque. */
const pixels = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255])
const png = encodePng({ width: 2, height: 2, channels: 4, depth: 8, data: pixels }) as Uint8Array<ArrayBuffer>
const measured = { width: 2, height: 2, mean: [128, 128, 128] } // (255 + 0 + 0 + 255) / 4, rounded, per channel

/** A PNG signature and IHDR only: it claims a size and holds no pixels. */
function pngHeaderClaiming(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bytes = png.slice(0, 33)
  const view = new DataView(bytes.buffer)
  view.setUint32(16, width)
  view.setUint32(20, height)
  return bytes
}

const json = (base: string, route: string, body: unknown) =>
  post(base, route, JSON.stringify(body), { 'content-type': 'application/json' })
function post(base: string, route: string, body: BodyInit, headers: Record<string, string>): Request {
  return new Request(base + route, { method: 'POST', body, headers })
}
const get = (base: string, route: string) => new Request(base + route)

const goodPredict: TableRow = {
  name: 'predict: good JSON',
  expected: { status: 200, body: predicted },
  request: (b) => json(b, '/predict', xRows),
}

export const rows: readonly TableRow[] = [
  goodPredict,
  {
    name: 'predict: octet-stream with dtype and shape headers',
    expected: { status: 200, body: predicted },
    request: (b) =>
      post(b, '/predict', new Uint8Array(x.data.buffer.slice(0) as ArrayBuffer), {
        'content-type': 'application/octet-stream',
        'x-tensor-dtype': 'float32',
        'x-tensor-shape': '3,4',
      }),
  },
  {
    name: 'predict: wrong shape',
    expected: { status: 422, error: 'unprocessable', messageHas: ['expected shape [-1, 4]', 'got [2, 3]'] },
    request: (b) =>
      json(b, '/predict', [
        [1, 2, 3],
        [4, 5, 6],
      ]),
  },
  {
    // int32 values float32 cannot hold exactly: a cast would change them, so the service refuses.
    name: 'predict: wrong dtype in the object form',
    expected: { status: 422, error: 'unprocessable', messageHas: ['float32', 'int32', '16777217'] },
    request: (b) => json(b, '/predict', { dtype: 'int32', shape: [1, 4], data: [1, 2, 3, 16777217] }),
  },
  {
    name: 'predict: malformed JSON',
    expected: { status: 400, error: 'bad_input', messageHas: ['not valid JSON'] },
    request: (b) => post(b, '/predict', '[[1, 2, 3, 4]', { 'content-type': 'application/json' }),
  },
  {
    name: 'predict: body over 256 KiB',
    expected: { status: 413, error: 'payload_too_large', messageHas: [String(256 * 1024)] },
    request: (b) =>
      post(b, '/predict', `[${'[0,0,0,0],'.repeat(30_000)}[0,0,0,0]]`, { 'content-type': 'application/json' }),
  },
  {
    name: 'predict: wrong content type',
    expected: { status: 415, error: 'unsupported_media_type', messageHas: ['text/csv', 'application/json'] },
    request: (b) => post(b, '/predict', '1,2,3,4', { 'content-type': 'text/csv' }),
  },
  {
    name: 'greet: good',
    expected: { status: 200, body: { greeting: 'hello, Ada hello, Ada' } },
    request: (b) => json(b, '/greet', { name: 'Ada', times: 2 }),
  },
  {
    name: 'greet: fails the schema',
    expected: {
      status: 422,
      error: 'unprocessable',
      messageHas: ['name: expected a non-empty string', 'times: expected a whole number from 1 to 5'],
    },
    request: (b) => json(b, '/greet', { name: '', times: 9 }),
  },
  {
    name: 'shout: good',
    expected: { status: 200, body: 'HELLO, WORLD' },
    request: (b) => post(b, '/shout', 'hello, world', { 'content-type': 'text/plain; charset=utf-8' }),
  },
  {
    name: 'shout: not UTF-8',
    expected: { status: 400, error: 'bad_input', messageHas: ['not valid UTF-8'] },
    request: (b) => post(b, '/shout', new Uint8Array([0x68, 0xff, 0xfe, 0x69]), { 'content-type': 'text/plain' }),
  },
  {
    name: 'measure: a PNG',
    expected: { status: 200, body: measured },
    request: (b) => post(b, '/measure', png, { 'content-type': 'image/png' }),
  },
  {
    // A header claiming 2000×1000 pixels and no pixel data: refused from the header, before any decoding.
    name: "measure: a PNG over the API's maxPixels",
    expected: { status: 413, error: 'payload_too_large', messageHas: ['2000×1000 pixels', 'at most 1000000 pixels'] },
    request: (b) => post(b, '/measure', pngHeaderClaiming(2000, 1000), { 'content-type': 'image/png' }),
  },
  {
    name: 'measure: not an image',
    expected: { status: 400, error: 'bad_input', messageHas: ['not a PNG or JPEG'] },
    request: (b) => post(b, '/measure', 'hello', { 'content-type': 'image/png' }),
  },
  {
    name: 'unknown route',
    expected: { status: 404, error: 'not_found', messageHas: ['POST /nowhere', 'POST /predict'] },
    request: (b) => json(b, '/nowhere', {}),
  },
  {
    name: 'GET on an API route',
    expected: { status: 405, error: 'method_not_allowed', messageHas: ['GET', 'POST'] },
    request: (b) => get(b, '/predict'),
  },
  { name: 'healthz', expected: { status: 200, body: { status: 'ok' } }, request: (b) => get(b, '/healthz') },
  {
    name: 'readyz',
    expected: { status: 200, body: { status: 'ready', runners: { linear: 'ready' } } },
    request: (b) => get(b, '/readyz'),
  },
  { ...goodPredict, name: 'predict: good JSON again, after the bad requests' },
]

/** Each row's expected status, in order: the whole column at once. */
export const expectedStatuses: readonly number[] = rows.map((row) => row.expected.status)

/** Sends every row in order (one at a time, so later rows follow the bad ones) and normalises the answers. */
export async function runTable(fetch: (request: Request) => Promise<Response>, base: string): Promise<TableResult[]> {
  const results: TableResult[] = []
  for (const row of rows) {
    const response = await fetch(row.request(base))
    const contentType = response.headers.get('content-type')
    results.push({
      name: row.name,
      status: response.status,
      contentType,
      body: await readBody(response, contentType ?? ''),
    })
  }
  return results
}

async function readBody(response: Response, contentType: string): Promise<unknown> {
  if (/json/.test(contentType)) return normalise(await response.json())
  if (contentType.startsWith('text/')) return response.text()
  return `${(await response.arrayBuffer()).byteLength} bytes of ${contentType || 'no stated type'}`
}

/** Drops `requestId` (it differs per request) and rounds numbers to 4 decimals, so two servers compare equal. */
export function normalise(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e4) / 1e4 + 0 // + 0 turns -0 into 0
  if (Array.isArray(value)) return value.map(normalise)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      // Request ids differ per request; a runner's backend differs per runtime by design (cpu in Node, wasm in a browser).
      .filter(([key]) => key !== 'requestId' && key !== 'backends')
      .map(([key, v]) => [key, normalise(v)]),
  )
}

function nestRows(flat: number[], width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, i) => flat.slice(i * width, (i + 1) * width))
}
