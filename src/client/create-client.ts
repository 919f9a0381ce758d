// A typed client for a service's APIs. Runtime-free: it speaks only fetch, Request, Response, Blob and
// FormData, so it works in a page, a worker and Node, over HTTP or straight into `service.fetch`.
import { encode as encodePng } from 'fast-png'
import { isJsonType, parseMediaType } from '../io/content-type.js'
import type { ImagePixels } from '../io/image.js'
import type { ErrorBody } from '../service/http-errors.js'
import type { ApiTypes } from '../service/service.js'
import { tensorFromJson, tensorToJson } from '../tensor/json.js'
import { NPY_MEDIA_TYPE, readNpy } from '../tensor/npy.js'
import type { Tensor } from '../tensor/tensor.js'

export interface ClientOptions {
  /** Where the service answers, such as `https://example.com/api`; the page's own origin by default. */
  readonly baseUrl?: string
  /** How requests are sent: `globalThis.fetch` by default, or `service.fetch` to skip HTTP entirely. */
  readonly fetch?: (request: Request) => Promise<Response>
  /** Headers sent with every request (an `authorization`, say). */
  readonly headers?: Readonly<Record<string, string>>
}

export interface ClientCallOptions {
  readonly signal?: AbortSignal
  readonly headers?: Readonly<Record<string, string>>
}

/** What a call takes: the API's input, except that images may also be sent as encoded files. */
export type ClientInput<T> = T extends ImagePixels
  ? Blob | ImagePixels
  : T extends Tensor | Blob
    ? T
    : T extends object
      ? { [K in keyof T]: T[K] extends ImagePixels ? Blob | ImagePixels : T[K] }
      : T
/** What a call returns: the API's output, except that images come back as the PNG file the service sent. */
export type ClientOutput<T> = T extends ImagePixels
  ? Blob
  : T extends Tensor | Blob
    ? T
    : T extends object
      ? { [K in keyof T]: T[K] extends ImagePixels ? Blob : T[K] }
      : T

/** One async method per API of the service, typed from its `api()` declarations. */
export type Client<A extends ApiTypes> = {
  readonly [K in keyof A]: (
    input: ClientInput<A[K]['input']>,
    options?: ClientCallOptions,
  ) => Promise<ClientOutput<A[K]['output']>>
}

/** A non-2xx answer, with the fields of tiffin's error body (`{ error, message, requestId }`). */
export class ClientError extends Error {
  override readonly name = 'ClientError'
  constructor(
    readonly status: number,
    /** The body's `error`, such as `unprocessable`; `http_<status>` when the body was not tiffin's. */
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    /** Seconds to wait before trying again, from `Retry-After` (sent with 503s). */
    readonly retryAfterS: number | undefined,
  ) {
    super(message)
  }
}

/** What the client learns of an API from the service's OpenAPI document. */
interface Route {
  readonly path: string
  readonly requestTypes: readonly string[]
  /** Per multipart field, the media types its descriptor takes. */
  readonly fieldTypes: Readonly<Record<string, readonly string[]>>
  readonly answersTensors: boolean
}

interface MediaObject {
  readonly encoding?: Record<string, { contentType?: string }>
}
interface Operation {
  readonly operationId?: string
  readonly requestBody?: { content?: Record<string, MediaObject> }
  readonly responses?: Record<string, { content?: Record<string, unknown> }>
}

const PROBED = new Set(['then', 'toJSON', 'constructor', 'valueOf', 'toString'])

/**
 * Creates a client for a service: `createClient<typeof service>({ baseUrl })`. The service's `/docs.json`
 * is read once, at the first call, to learn each API's route and media types.
 */
export function createClient<S extends { readonly apiTypes: ApiTypes }>(
  options: ClientOptions = {},
): Client<S['apiTypes']> {
  const send = options.fetch ?? ((request: Request) => fetch(request))
  // Relative to the page where there is one; `service.fetch` in Node needs some absolute URL, any will do.
  const base = new URL(
    options.baseUrl ?? '/',
    (globalThis as { location?: { href: string } }).location?.href ?? 'http://localhost/',
  ).href.replace(/\/$/, '')
  const request = async (path: string, init: RequestInit, call: ClientCallOptions = {}): Promise<Response> => {
    const headers = new Headers({ ...options.headers, ...call.headers })
    new Headers(init.headers).forEach((value, key) => headers.set(key, value))
    const response = await send(new Request(base + path, { ...init, headers, signal: call.signal ?? null }))
    if (!response.ok) throw await clientErrorOf(response)
    return response
  }
  let routes: Promise<Map<string, Route>> | undefined
  const routesOnce = (): Promise<Map<string, Route>> => {
    routes ??= request('/docs.json', {}).then(async (r) =>
      routesOf((await r.json()) as { paths?: Record<string, { post?: Operation }> }),
    )
    routes.catch(() => (routes = undefined)) // a failed read is tried again at the next call
    return routes
  }
  const call = async (name: string, input: unknown, callOptions?: ClientCallOptions): Promise<unknown> => {
    const known = await routesOnce()
    const route = known.get(name)
    if (!route)
      throw new TypeError(
        `The service at ${base} has no API "${name}"; it has ${[...known.keys()].join(', ') || 'none'}`,
      )
    const headers: Record<string, string> = route.answersTensors
      ? { accept: `${NPY_MEDIA_TYPE}, application/json;q=0.5` }
      : {}
    const { body, type } = encodeInput(input, route)
    if (type) headers['content-type'] = type
    const response = await request(route.path, { method: 'POST', body, headers }, callOptions)
    return decode(response, route.answersTensors)
  }
  return new Proxy({} as Client<S['apiTypes']>, {
    // Names JavaScript itself probes (a promise's `then`, JSON's `toJSON`) are not APIs: reading them makes no call.
    get: (_, name) =>
      typeof name === 'string' && !PROBED.has(name)
        ? (input: unknown, o?: ClientCallOptions) => call(name, input, o)
        : undefined,
  })
}

function routesOf(doc: { paths?: Record<string, { post?: Operation }> }): Map<string, Route> {
  const routes = new Map<string, Route>()
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const op = item.post
    if (!op?.operationId) continue
    const content = op.requestBody?.content ?? {}
    const encoding = content['multipart/form-data']?.encoding ?? {}
    const fieldTypes = Object.fromEntries(
      Object.entries(encoding).map(([field, e]) => [field, (e.contentType ?? '').split(',').map((t) => t.trim())]),
    )
    const answersTensors = NPY_MEDIA_TYPE in (op.responses?.['200']?.content ?? {})
    routes.set(op.operationId, { path, requestTypes: Object.keys(content), fieldTypes, answersTensors })
  }
  return routes
}

const isTensor = (value: unknown): value is Tensor =>
  typeof value === 'object' &&
  value !== null &&
  'dtype' in value &&
  'dims' in value &&
  ArrayBuffer.isView((value as Tensor).data)
const isPixels = (value: unknown): value is ImagePixels =>
  typeof value === 'object' &&
  value !== null &&
  'width' in value &&
  'height' in value &&
  (value as ImagePixels).data instanceof Uint8ClampedArray

/** JSON that writes tensors in tiffin's object form (dtype kept; int64 and NaN as tensor-json.ts says). */
const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    isTensor(v)
      ? { dtype: v.dtype, shape: v.dims, data: tensorToJson(v) }
      : ArrayBuffer.isView(v)
        ? Array.from(v as Uint8Array)
        : v,
  )

const pngOf = (p: ImagePixels): Blob =>
  new Blob(
    [
      encodePng({
        width: p.width,
        height: p.height,
        channels: 4,
        depth: 8,
        data: new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength),
      }) as Uint8Array<ArrayBuffer>,
    ],
    { type: 'image/png' },
  )

/** Picks the body that fits the media types the API takes. */
function encodeInput(value: unknown, route: Route): { body: BodyInit; type?: string } {
  const takes = (type: string) => route.requestTypes.includes(type)
  if (value instanceof FormData) return { body: value }
  if (takes('multipart/form-data') && route.requestTypes.length === 1) {
    const form = new FormData()
    for (const [field, v] of Object.entries(value as Record<string, unknown>)) {
      const types = route.fieldTypes[field] ?? []
      if (isPixels(v)) form.append(field, pngOf(v), field)
      else if (v instanceof Blob) form.append(field, v, field)
      else form.append(field, types.includes('text/plain') && typeof v === 'string' ? v : toJson(v))
    }
    return { body: form } // fetch writes the content type, with its boundary
  }
  if (typeof value === 'string' && takes('text/plain')) return { body: value, type: 'text/plain; charset=utf-8' }
  if (takes('application/json') && !(value instanceof Blob)) return { body: toJson(value), type: 'application/json' }
  const blob = isPixels(value) ? pngOf(value) : value instanceof Blob ? value : new Blob([value as BlobPart])
  // A blob of no stated type is sent as the first concrete type the API names, so the service takes it.
  return {
    body: blob,
    type: blob.type || route.requestTypes.find((t) => !t.includes('*')) || 'application/octet-stream',
  }
}

/** Reads an answer (or a multipart field) by its media type; JSON from a tensor API becomes a Tensor. */
async function decode(response: Response, tensor: boolean): Promise<unknown> {
  const type = parseMediaType(response.headers.get('content-type') ?? '').essence
  if (type === NPY_MEDIA_TYPE) return readNpy(new Uint8Array(await response.arrayBuffer()))
  if (isJsonType(type)) return tensor ? tensorFromJson(await response.json(), undefined) : response.json()
  if (type.startsWith('text/')) return response.text()
  if (type === 'multipart/form-data') {
    const fields = [...(await response.formData()).entries()].map(async ([name, part]) => {
      const value =
        typeof part === 'string'
          ? part
          : await decode(new Response(part, { headers: { 'content-type': part.type } }), false)
      return [name, value] as const
    })
    return Object.fromEntries(await Promise.all(fields))
  }
  return response.blob()
}

async function clientErrorOf(response: Response): Promise<ClientError> {
  const text = await response.text()
  let body: Partial<ErrorBody> = {}
  try {
    body = { ...(JSON.parse(text) as Partial<ErrorBody>) }
  } catch {
    // not tiffin's error body (a proxy's page, say): keep its text as the message
  }
  const message = body.message ?? (text.slice(0, 200) || `${response.status} ${response.statusText}`)
  return new ClientError(
    response.status,
    body.error ?? `http_${response.status}`,
    message,
    body.requestId ?? response.headers.get('x-request-id') ?? undefined,
    retryAfterOf(response.headers.get('retry-after')),
  )
}

/** `Retry-After` is either seconds or an HTTP date. */
function retryAfterOf(header: string | null): number | undefined {
  if (header === null) return undefined
  const seconds = /^\s*\d+\s*$/.test(header) ? Number(header) : (Date.parse(header) - Date.now()) / 1000
  return Number.isNaN(seconds) ? undefined : Math.max(0, seconds)
}
