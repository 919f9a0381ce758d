// Images are decoded by pure-JS decoders (fast-png, jpeg-js) rather than the browser's
// createImageBitmap, so that a page, a Service Worker and Node give the same pixels for the same bytes.
// EXIF orientation is not applied, and colour profiles are ignored, in every runtime alike.
import { decode as decodePng, encode as encodePng, type DecodedPng } from 'fast-png'
import jpeg from 'jpeg-js'
import { DEFAULTS } from '../defaults.js'
import { BadInput, PayloadTooLarge, TiffinError, UnsupportedMediaType } from '../errors.js'
import { mediaTypeOf, messageOf, readBytes, requireMediaType, singleFileOf } from './content-type.js'
import type { IODescriptor, OpenApiContent } from './descriptor.js'

/** Decoded pixels: 8-bit RGBA, row-major, the layout of the web's `ImageData`. */
export interface ImagePixels {
  readonly width: number
  readonly height: number
  readonly channels: 4
  readonly data: Uint8ClampedArray
}

export type ImageFormat = 'png' | 'jpeg'

export interface ImageOptions {
  /** The most pixels (width × height) an image may have, checked before decoding; 40 megapixels by default. */
  readonly maxPixels?: number
  /** The formats the API takes; both by default. */
  readonly formats?: readonly ImageFormat[]
}

const MEDIA_TYPE: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg' }

/** A PNG or JPEG in (told apart by its bytes, not its declared type), pixels out, a PNG back. */
export function image(options: ImageOptions = {}): IODescriptor<ImagePixels> {
  const formats = options.formats ?? ['png', 'jpeg']
  const maxPixels = options.maxPixels ?? DEFAULTS.maxImagePixels
  const accepted = [...formats.map((f) => MEDIA_TYPE[f]), 'application/octet-stream', 'multipart/form-data']
  const decode = (bytes: Uint8Array): ImagePixels => decodeImage(bytes, formats, maxPixels)
  const binary = (type: string) => ({ schema: { type: 'string', format: 'binary', contentMediaType: type } })
  return {
    kind: 'image',
    async parse(request) {
      // The type only screens out bodies that are clearly something else; the bytes decide the format.
      const media = mediaTypeOf(request)
      if (media?.essence === 'multipart/form-data')
        return decode(new Uint8Array(await (await singleFileOf(request)).arrayBuffer()))
      if (media) requireMediaType(request, (type) => type.startsWith('image/') || accepted.includes(type), accepted)
      return decode(await readBytes(request))
    },
    async parsePart(part) {
      return decode(
        typeof part === 'string' ? new TextEncoder().encode(part) : new Uint8Array(await part.arrayBuffer()),
      )
    },
    serialize: (value) => new Response(encodePixels(value), { headers: { 'content-type': MEDIA_TYPE.png } }),
    requestContent: (): OpenApiContent =>
      Object.fromEntries(formats.map((f) => [MEDIA_TYPE[f], binary(MEDIA_TYPE[f])])),
    responseContent: (): OpenApiContent => ({ [MEDIA_TYPE.png]: binary(MEDIA_TYPE.png) }),
  }
}

function decodeImage(bytes: Uint8Array, formats: readonly ImageFormat[], maxPixels: number): ImagePixels {
  const format = isPng(bytes) ? 'png' : isJpeg(bytes) ? 'jpeg' : undefined
  if (!format) throw new BadInput('The body is not a PNG or JPEG image')
  if (!formats.includes(format))
    throw new UnsupportedMediaType(
      `The body is a ${format.toUpperCase()} image; this API takes ${formats.join(' or ')}`,
    )
  const header = format === 'png' ? pngHeader(bytes) : jpegHeader(bytes)
  if (header.width === 0 || header.height === 0)
    throw new BadInput(`The ${format.toUpperCase()} image claims a size of ${header.width}×${header.height}`)
  // Refused before decoding: a small file can claim a huge image (a decompression bomb).
  if (header.width * header.height > maxPixels) {
    throw new PayloadTooLarge(
      `The image is ${header.width}×${header.height} pixels; this API takes at most ${maxPixels} pixels`,
    )
  }
  try {
    return format === 'png' ? pngPixels(decodePng(bytes), header) : jpegPixels(bytes, maxPixels)
  } catch (error) {
    if (error instanceof TiffinError) throw error
    throw new BadInput(`The ${format.toUpperCase()} image does not decode: ${messageOf(error)}`, { cause: error })
  }
}

function isPng(bytes: Uint8Array): boolean {
  return [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((byte, i) => bytes[i] === byte)
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
}

interface Header {
  readonly width: number
  readonly height: number
  readonly depth?: number
  readonly colorType?: number
  readonly interlaced?: boolean
}

/** The IHDR chunk, which the PNG specification puts first, right after the signature. */
function pngHeader(bytes: Uint8Array): Header {
  if (bytes.byteLength < 29 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR')
    throw new BadInput('The PNG image has no IHDR header')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const header = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    depth: bytes[24]!,
    colorType: bytes[25]!,
    interlaced: bytes[28] === 1,
  }
  // fast-png lays out interlaced images of fewer than 8 bits a sample wrongly: refuse rather than mis-decode.
  if (header.interlaced && header.depth < 8)
    throw new BadInput(`Interlaced PNG images of ${header.depth}-bit samples are not supported`)
  return header
}

/** The first frame header (SOFn) of a JPEG, found by walking its segments. */
function jpegHeader(bytes: Uint8Array): Header {
  let offset = 2
  while (offset + 4 <= bytes.byteLength) {
    if (bytes[offset] !== 0xff) break
    const marker = bytes[offset + 1]!
    if (marker === 0xff)
      offset += 1 // a fill byte
    else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8))
      offset += 2 // markers without a length
    else if (marker === 0xd9 || marker === 0xda)
      break // end of image, or a scan before any frame header
    else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (offset + 9 > bytes.byteLength) break
      return {
        height: (bytes[offset + 5]! << 8) | bytes[offset + 6]!,
        width: (bytes[offset + 7]! << 8) | bytes[offset + 8]!,
      }
    } else offset += 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!)
  }
  throw new BadInput('The JPEG image has no frame header')
}

function jpegPixels(bytes: Uint8Array, maxPixels: number): ImagePixels {
  const decoded = jpeg.decode(bytes, {
    useTArray: true, // plain typed arrays: jpeg-js would otherwise use Node's Buffer
    formatAsRGBA: true,
    maxResolutionInMP: maxPixels / 1e6,
    maxMemoryUsageInMB: Math.max(512, (maxPixels * 12) / 2 ** 20), // output and component planes, with room
  })
  const data = new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength)
  return { width: decoded.width, height: decoded.height, channels: 4, data }
}

/** Any PNG colour type and bit depth to 8-bit RGBA; 16-bit samples keep their high byte. */
function pngPixels(png: DecodedPng, header: Header): ImagePixels {
  const { width, height, depth, channels, data, palette, transparency } = png
  const out = new Uint8ClampedArray(width * height * 4)
  if (depth === 8 && header.colorType === 6) {
    out.set(data)
    return { width, height, channels: 4, data: out }
  }
  const rowBytes = Math.ceil((width * channels * depth) / 8)
  const max = 2 ** depth - 1
  const raw =
    depth === 16
      ? (y: number, i: number) => data[y * width * channels + i]!
      : depth === 8
        ? (y: number, i: number) => data[y * rowBytes + i]!
        : (y: number, i: number) => (data[y * rowBytes + ((i * depth) >> 3)]! >> (8 - depth - ((i * depth) & 7))) & max
  const scale =
    depth === 16 ? (v: number) => v >> 8 : depth === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / max)
  const put = (o: number, r: number, g: number, b: number, a: number) => {
    out[o] = r
    out[o + 1] = g
    out[o + 2] = b
    out[o + 3] = a
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4
      const i = x * channels
      if (header.colorType === 3) {
        const color = palette?.[raw(y, i)]
        if (!color) throw new BadInput(`The PNG image uses palette entry ${raw(y, i)}, which its palette lacks`)
        put(o, color[0]!, color[1]!, color[2]!, color[3] ?? 255)
      } else if (channels <= 2) {
        const grey = raw(y, i)
        const alpha = channels === 2 ? scale(raw(y, i + 1)) : transparency?.[0] === grey ? 0 : 255
        put(o, scale(grey), scale(grey), scale(grey), alpha)
      } else {
        const [r, g, b] = [raw(y, i), raw(y, i + 1), raw(y, i + 2)]
        const keyed =
          transparency !== undefined && transparency[0] === r && transparency[1] === g && transparency[2] === b
        put(o, scale(r), scale(g), scale(b), channels === 4 ? scale(raw(y, i + 3)) : keyed ? 0 : 255)
      }
    }
  }
  return { width, height, channels: 4, data: out }
}

function encodePixels(value: ImagePixels): Uint8Array<ArrayBuffer> {
  const { width, height, data } = value
  if (data.length !== width * height * 4) {
    throw new TiffinError(
      `An image result of ${width}×${height} RGBA pixels needs ${width * height * 4} bytes, got ${data.length}`,
    )
  }
  const png = encodePng({
    width,
    height,
    channels: 4,
    depth: 8,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  })
  return png as Uint8Array<ArrayBuffer> // fast-png writes into an ArrayBuffer of its own
}
