// A Request or a Response as plain data for postMessage, with the buffers to move (transfer), not copy.

export interface WireRequest {
  readonly id: number
  readonly url: string
  readonly method: string
  readonly headers: readonly [string, string][]
  /** A string or a Blob is sent as it is (cloning either is cheap); anything else as bytes, moved. */
  readonly body: ArrayBuffer | Blob | string | undefined
}

export interface WireResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: readonly [string, string][]
  readonly body: ArrayBuffer
}

/** Something to post, and the buffers that go with it. */
export interface Wired<T> {
  readonly value: T
  readonly transfer: Transferable[]
}

const hasBody = (method: string): boolean => method !== 'GET' && method !== 'HEAD'
const moving = <T>(value: T, body: unknown): Wired<T> => ({
  value,
  transfer: body instanceof ArrayBuffer ? [body] : [],
})

/**
 * A request as `fetch` takes it (a Request, or a URL and init). A string, Blob or bytes body given in
 * `init` goes as it is: building a Request around it on the page would cost the page a body stream per call.
 */
export async function requestToWire(
  input: Request | string | URL,
  init: RequestInit | undefined,
  id: number,
): Promise<Wired<WireRequest>> {
  if (!(input instanceof Request)) {
    const method = (init?.method ?? 'GET').toUpperCase()
    const given = init?.body
    const plain = typeof given === 'string' || given instanceof Blob || given instanceof ArrayBuffer
    if (given === undefined || given === null || plain) {
      const url = new URL(input, globalThis.location?.href).href
      return moving({ id, url, method, headers: [...new Headers(init?.headers)], body: given ?? undefined }, given)
    }
    return requestToWire(new Request(input, init), undefined, id)
  }
  const body = hasBody(input.method) ? await input.arrayBuffer() : undefined
  return moving({ id, url: input.url, method: input.method, headers: [...input.headers], body }, body)
}

export function requestFromWire(wire: WireRequest, signal: AbortSignal): Request {
  return new Request(wire.url, {
    method: wire.method,
    headers: wire.headers as [string, string][],
    body: wire.body,
    signal,
  })
}

export async function responseToWire(response: Response): Promise<Wired<WireResponse>> {
  const body = await response.arrayBuffer()
  return moving(
    { status: response.status, statusText: response.statusText, headers: [...response.headers], body },
    body,
  )
}

export function responseFromWire(wire: WireResponse): Response {
  // 101, 204, 205 and 304 answers carry no body.
  const empty = [101, 204, 205, 304].includes(wire.status)
  return new Response(empty ? null : wire.body, {
    status: wire.status,
    statusText: wire.statusText,
    headers: wire.headers as [string, string][],
  })
}
