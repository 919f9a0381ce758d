import { BadInput } from '../errors.js'

/** Where model bytes come from: bytes in memory, a Blob or File, a URL to fetch, or a stream. */
export type ModelSource = Uint8Array | ArrayBuffer | Blob | URL | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>

export interface ByteStream {
  /** Known only for bytes, Blobs and responses with a Content-Length. */
  readonly total: number | undefined
  readonly chunks: AsyncIterable<Uint8Array>
}

const CHUNK = 1 << 20

async function* sliceBytes(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let start = 0; start < bytes.length; start += CHUNK) yield bytes.subarray(start, start + CHUNK)
}

async function* readStream(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/** Opens any source as a stream of chunks, without reading it all into memory first. */
export async function openSource(source: ModelSource, signal?: AbortSignal): Promise<ByteStream> {
  if (source instanceof Uint8Array) return { total: source.length, chunks: sliceBytes(source) }
  if (source instanceof ArrayBuffer) return { total: source.byteLength, chunks: sliceBytes(new Uint8Array(source)) }
  if (typeof Blob !== 'undefined' && source instanceof Blob)
    return { total: source.size, chunks: readStream(source.stream()) }
  if (source instanceof URL) {
    const response = await fetch(source, { signal })
    if (!response.ok || !response.body)
      throw new BadInput(`Fetching ${source.href} answered ${response.status} ${response.statusText}`)
    const length = Number(response.headers.get('content-length'))
    return { total: length > 0 ? length : undefined, chunks: readStream(response.body) }
  }
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream)
    return { total: undefined, chunks: readStream(source) }
  if (source && typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return { total: undefined, chunks: source as AsyncIterable<Uint8Array> }
  }
  throw new BadInput('A model source must be a Uint8Array, an ArrayBuffer, a Blob, a URL or a stream of bytes')
}

/** Reads a whole source into one Uint8Array. */
export async function readAll(source: ModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source
  const { chunks } = await openSource(source)
  const parts: Uint8Array[] = []
  let length = 0
  for await (const chunk of chunks) {
    parts.push(chunk)
    length += chunk.length
  }
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
