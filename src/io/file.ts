import { TiffinError, UnsupportedMediaType } from '../errors.js'
import { matchesPattern, mediaTypeOf, readBytes, singleFileOf } from './content-type.js'
import type { IODescriptor, OpenApiContent } from './descriptor.js'

export interface FileOptions {
  /** Media types the API takes, patterns allowed (`image/*`); any type when left out. */
  readonly mediaTypes?: readonly string[]
}

const OCTET = 'application/octet-stream'
const FORM = 'multipart/form-data'

/**
 * Any body as a `Blob` carrying the request's media type. A `multipart/form-data` body with one file
 * (an HTML form's file input) yields that file, unless `mediaTypes` lists multipart/form-data itself.
 * Answers a Blob as its type; bytes (a typed array or ArrayBuffer) are taken too, as octet-stream,
 * though the type says Blob: `IOValue` infers one type for input and output alike.
 */
export function file(options: FileOptions = {}): IODescriptor<Blob> {
  const patterns = options.mediaTypes
  const takes = (type: string) => !patterns || patterns.some((pattern) => matchesPattern(type, pattern))
  const refuse = (type: string): never => {
    throw new UnsupportedMediaType(`The file is ${type || 'of no stated type'}; expected ${patterns!.join(' or ')}`)
  }
  const checked = (blob: Blob): Blob => (takes(blob.type || OCTET) ? blob : refuse(blob.type))
  const content = (): OpenApiContent =>
    Object.fromEntries(
      (patterns ?? ['*/*']).map((type) => [
        type,
        { schema: { type: 'string', format: 'binary', contentMediaType: type } },
      ]),
    )
  return {
    kind: 'file',
    async parse(request) {
      const media = mediaTypeOf(request)
      if (media?.essence === FORM && !patterns?.includes(FORM)) return checked(await singleFileOf(request))
      const type = media?.essence ?? ''
      if (!takes(type || OCTET)) refuse(type)
      return new Blob([await readBytes(request)], { type })
    },
    parsePart: async (part) => checked(typeof part === 'string' ? new Blob([part], { type: 'text/plain' }) : part),
    serialize(value: Blob | ArrayBuffer | ArrayBufferView) {
      if (value instanceof Blob) return new Response(value, { headers: { 'content-type': value.type || OCTET } })
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        const bytes =
          value instanceof ArrayBuffer
            ? new Uint8Array(value)
            : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
        return new Response(bytes.slice(), { headers: { 'content-type': OCTET } })
      }
      throw new TiffinError(`A file result must be a Blob or bytes, got ${typeof value}`)
    },
    requestContent: content,
    responseContent: () => (patterns ? content() : { [OCTET]: { schema: { type: 'string', format: 'binary' } } }),
  }
}
