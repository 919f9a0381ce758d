import { BadInput, UnsupportedMediaType } from '../errors.js'

/** A parsed `Content-Type` or `Accept` entry: the lower-cased `type/subtype` and its parameters. */
export interface MediaType {
  readonly essence: string
  readonly params: Readonly<Record<string, string>>
}

/** Parses `type/subtype; key=value; key="quoted"`; parameter names are lower-cased, values kept. */
export function parseMediaType(header: string): MediaType {
  const [head = '', ...rest] = header.split(';')
  const params: Record<string, string> = {}
  for (const param of rest) {
    const eq = param.indexOf('=')
    if (eq < 0) continue
    const key = param.slice(0, eq).trim().toLowerCase()
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
    if (key) params[key] = value
  }
  return { essence: head.trim().toLowerCase(), params }
}

/** The request's media type, or `undefined` when it sent no `Content-Type`. */
export function mediaTypeOf(request: Request): MediaType | undefined {
  const header = request.headers.get('content-type')
  return header ? parseMediaType(header) : undefined
}

/** `application/json` and the structured-syntax `+json` types (`application/problem+json`, ...). */
export function isJsonType(essence: string): boolean {
  return essence === 'application/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]+\+json$/.test(essence)
}

/** Whether `essence` matches a pattern such as `image/png`, `image/*` or `*\/*`. */
export function matchesPattern(essence: string, pattern: string): boolean {
  const [type, subtype] = pattern.toLowerCase().split('/')
  const [actualType, actualSubtype] = essence.split('/')
  return (type === '*' || type === actualType) && (subtype === '*' || subtype === actualSubtype)
}

/**
 * Returns the request's media type when `accepts` takes it; otherwise throws 415 naming what was sent
 * and `expected`, so a client learns which types to use.
 */
export function requireMediaType(
  request: Request,
  accepts: (essence: string) => boolean,
  expected: readonly string[],
): MediaType {
  const media = mediaTypeOf(request)
  if (media && accepts(media.essence)) return media
  const sent = media ? `Content-Type ${media.essence}` : 'no Content-Type'
  throw new UnsupportedMediaType(`The request has ${sent}; expected ${expected.join(' or ')}`)
}

/** Reads the whole body; a body that cannot be read (a broken stream, one already read) is a 400. */
export async function readBytes(request: Request): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await request.arrayBuffer())
  } catch (error) {
    throw new BadInput(`The request body could not be read: ${messageOf(error)}`, { cause: error })
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Decodes UTF-8, refusing invalid sequences (400) instead of replacing them with U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes)
  } catch (error) {
    throw new BadInput(`${what} is not valid UTF-8`, { cause: error })
  }
}

/** Refuses a `charset` other than UTF-8 (or its subset US-ASCII): tiffin reads text as UTF-8 only. */
export function requireUtf8Charset(media: MediaType): void {
  const charset = media.params['charset']?.toLowerCase()
  if (charset && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) {
    throw new UnsupportedMediaType(`The request's charset is ${charset}; expected utf-8`)
  }
}

/** Reads a form body; a body that does not parse as `multipart/form-data` is a 400. */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData()
  } catch (error) {
    throw new BadInput(`The body is not valid multipart/form-data: ${messageOf(error)}`, { cause: error })
  }
}

/**
 * The one file of a `multipart/form-data` body, as an HTML `<form>` with one `<input type=file>`
 * sends it; descriptors that take a single file accept that form as well as a bare body.
 */
export async function singleFileOf(request: Request): Promise<Blob> {
  const files = [...(await readForm(request)).values()].filter((value): value is File => typeof value !== 'string')
  if (files.length !== 1)
    throw new BadInput(`A multipart body must hold exactly one file here; it holds ${files.length}`)
  return files[0]!
}

/** Accept entries in the order the client prefers them (by `q`, then as written); q=0 entries dropped. */
function acceptedTypes(request: Request | undefined): string[] {
  const header = request?.headers.get('accept')
  if (!header) return []
  const entries = header.split(',').map((entry, index) => {
    const media = parseMediaType(entry)
    const q = Number(media.params['q'] ?? 1)
    return { essence: media.essence, q: Number.isFinite(q) ? q : 0, index }
  })
  return entries
    .filter((entry) => entry.q > 0 && entry.essence)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((entry) => entry.essence)
}

/**
 * Picks the media type to answer with: the first of `offered` that the client's `Accept` prefers, or
 * `offered[0]` when it sends none or accepts none of them (answering beats a 406 for an API).
 */
export function negotiate(request: Request | undefined, offered: readonly [string, ...string[]]): string {
  for (const wanted of acceptedTypes(request)) {
    const match = offered.find((type) => matchesPattern(type, wanted))
    if (match) return match
  }
  return offered[0]
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Prefixes an error's message with the multipart field it came from, keeping its class and status. */
export function inField<T>(name: string, work: () => Promise<T>): Promise<T> {
  return work().catch((error: unknown) => {
    if (error instanceof Error && !error.message.startsWith(`Field "${name}"`))
      error.message = `Field "${name}": ${error.message}`
    throw error
  })
}
