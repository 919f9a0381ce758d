import { PayloadTooLarge } from '../errors.js'
import { decodeUtf8, readBytes, requireMediaType, requireUtf8Charset } from './content-type.js'
import type { IODescriptor, OpenApiContent } from './descriptor.js'

export interface TextOptions {
  /** The most characters (Unicode code points) the API takes; a longer text is a 413. */
  readonly maxLength?: number
}

const TEXT_TYPE = 'text/plain'

/** A UTF-8 `text/plain` body in, a string out; invalid UTF-8 is a 400, another charset a 415. */
export function text(options: TextOptions = {}): IODescriptor<string> {
  const { maxLength } = options
  const checked = (bytes: Uint8Array, what: string): string => {
    // A code point takes at most 4 bytes: a body over 4 × maxLength bytes is refused without decoding it.
    if (maxLength !== undefined && bytes.byteLength > 4 * maxLength) throw tooLong(`more than ${maxLength}`, maxLength)
    const value = decodeUtf8(bytes, what)
    if (maxLength !== undefined && value.length > maxLength) {
      const length = countCodePoints(value)
      if (length > maxLength) throw tooLong(String(length), maxLength)
    }
    return value
  }
  const content = (): OpenApiContent => ({
    [TEXT_TYPE]: { schema: maxLength === undefined ? { type: 'string' } : { type: 'string', maxLength } },
  })
  return {
    kind: 'text',
    async parse(request) {
      requireUtf8Charset(requireMediaType(request, (type) => type === TEXT_TYPE, [TEXT_TYPE]))
      return checked(await readBytes(request), 'The body')
    },
    async parsePart(part) {
      return checked(
        typeof part === 'string' ? new TextEncoder().encode(part) : new Uint8Array(await part.arrayBuffer()),
        'The part',
      )
    },
    serialize: (value) => new Response(value, { headers: { 'content-type': 'text/plain; charset=utf-8' } }),
    requestContent: content,
    responseContent: content,
  }
}

function tooLong(length: string, maxLength: number): PayloadTooLarge {
  return new PayloadTooLarge(`The text is ${length} characters long; this API takes at most ${maxLength}`)
}

function countCodePoints(value: string): number {
  let count = 0
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i)
    if (unit < 0xd800 || unit > 0xdbff) count++ // a high surrogate starts a pair counted by its low half
  }
  return count
}
