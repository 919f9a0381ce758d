import { encode as encodePng } from 'fast-png'
import jpeg from 'jpeg-js'
import { describe, expect, it } from 'vitest'
import { BadInput, PayloadTooLarge, UnsupportedMediaType } from '../../src/errors.js'
import { image, type ImagePixels } from '../../src/io/image.js'

const post = (body: BodyInit, type?: string) =>
  new Request('http://tiffin.test/api', { method: 'POST', body, headers: type ? { 'content-type': type } : {} })
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('parse resolved'),
    (e: unknown) => e as Error,
  )

/** A 3×2 RGBA picture: red, green, blue / white, half-transparent grey, black. */
const RGBA = new Uint8Array([
  255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 128, 128, 128, 128, 0, 0, 0, 255,
])
const png = (data: Parameters<typeof encodePng>[0]) => encodePng(data) as Uint8Array<ArrayBuffer>

/** A PNG made of a signature and an IHDR only: enough to claim any size, with nothing to decode. */
function pngClaiming(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(33)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
  const view = new DataView(bytes.buffer)
  view.setUint32(16, width)
  view.setUint32(20, height)
  bytes.set([8, 6, 0, 0, 0], 24)
  return bytes
}

describe('image', () => {
  it('decodes an RGBA PNG to its exact pixels', async () => {
    const pixels = await image().parse(
      post(png({ width: 3, height: 2, data: RGBA, channels: 4, depth: 8 }), 'image/png'),
    )
    expect(pixels).toEqual({ width: 3, height: 2, channels: 4, data: new Uint8ClampedArray(RGBA) })
  })

  it('expands every PNG colour type to 8-bit RGBA', async () => {
    const decode = async (data: Parameters<typeof encodePng>[0]) => [
      ...(await image().parse(post(png(data), 'image/png'))).data,
    ]
    expect(
      await decode({ width: 2, height: 1, channels: 3, depth: 8, data: new Uint8Array([1, 2, 3, 4, 5, 6]) }),
    ).toEqual([1, 2, 3, 255, 4, 5, 6, 255])
    expect(
      await decode({ width: 2, height: 1, channels: 2, depth: 8, data: new Uint8Array([10, 20, 30, 40]) }),
    ).toEqual([10, 10, 10, 20, 30, 30, 30, 40])
    // 16-bit samples keep their high byte.
    expect(
      await decode({ width: 1, height: 1, channels: 3, depth: 16, data: new Uint16Array([0x1234, 0xff00, 0x00ff]) }),
    ).toEqual([0x12, 0xff, 0x00, 255])
    // 1-bit grey, packed eight pixels to a byte, rows padded to a byte: 3 pixels a row, 2 rows.
    const [white, black] = [
      [255, 255, 255, 255],
      [0, 0, 0, 255],
    ]
    expect(
      await decode({ width: 3, height: 2, channels: 1, depth: 1, data: new Uint8Array([0b10100000, 0b01000000]) }),
    ).toEqual([white, black, white, black, white, black].flat())
    const palette = [
      [255, 0, 0, 128],
      [0, 0, 255, 255],
    ]
    expect(await decode({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([1, 0]), palette })).toEqual(
      [0, 0, 255, 255, 255, 0, 0, 128],
    )
  })

  it('decodes a JPEG to pixels within the tolerance of lossy compression', async () => {
    const width = 16
    const height = 8
    const rgba = new Uint8Array(width * height * 4)
    for (let i = 0; i < width * height; i++) rgba.set([(i % width) * 16, Math.floor(i / width) * 32, 200, 255], i * 4)
    const file = new Uint8Array(jpeg.encode({ width, height, data: rgba }, 95).data)
    const pixels = await image().parse(post(file, 'image/jpeg'))
    expect([pixels.width, pixels.height, pixels.channels, pixels.data.length]).toEqual([16, 8, 4, 16 * 8 * 4])
    const worst = Math.max(...[...pixels.data].map((v, i) => Math.abs(v - rgba[i]!)))
    expect(worst).toBeLessThanOrEqual(12)
    expect(pixels.data.filter((_, i) => i % 4 === 3).every((alpha) => alpha === 255)).toBe(true)
  })

  it('tells the format by the bytes, not the declared type', async () => {
    const file = png({ width: 3, height: 2, data: RGBA, channels: 4, depth: 8 })
    expect((await image().parse(post(file, 'image/jpeg'))).width).toBe(3)
    expect((await image().parse(post(file, 'application/octet-stream'))).width).toBe(3)
    expect((await image().parse(post(file))).width).toBe(3)
  })

  it('refuses a body that is not an image with a 400', async () => {
    const error = await rejection(image().parse(post(new Uint8Array([1, 2, 3, 4]), 'image/png')))
    expect(error).toBeInstanceOf(BadInput)
    expect(error.message).toBe('The body is not a PNG or JPEG image')
    const broken = png({ width: 3, height: 2, data: RGBA, channels: 4, depth: 8 }).slice(0, 40)
    expect((await rejection(image().parse(post(broken, 'image/png')))).message).toMatch(
      /^The PNG image does not decode: /,
    )
  })

  it('refuses a PNG whose header claims 100000×100000 pixels before decoding it', async () => {
    const error = await rejection(image().parse(post(pngClaiming(100_000, 100_000), 'image/png')))
    expect(error).toBeInstanceOf(PayloadTooLarge)
    expect(error.message).toBe('The image is 100000×100000 pixels; this API takes at most 40000000 pixels')
    expect(
      await rejection(
        image({ maxPixels: 5 }).parse(
          post(png({ width: 3, height: 2, data: RGBA, channels: 4, depth: 8 }), 'image/png'),
        ),
      ),
    ).toBeInstanceOf(PayloadTooLarge)
  })

  it('takes at most 40 megapixels by default, counted from the header: one row more is refused, the limit itself is decoded', async () => {
    const over = await rejection(image().parse(post(pngClaiming(8000, 5001), 'image/png')))
    expect(over).toBeInstanceOf(PayloadTooLarge)
    expect(over.message).toBe('The image is 8000×5001 pixels; this API takes at most 40000000 pixels')
    // At the limit the header passes, and decoding starts (and fails, since this PNG has no pixel data).
    expect((await rejection(image().parse(post(pngClaiming(8000, 5000), 'image/png')))).message).toMatch(
      /^The PNG image does not decode: /,
    )
  })

  it('refuses a JPEG whose frame header claims too many pixels before decoding it', async () => {
    // SOI, an APP0 segment to skip, then SOF0 of 65535×65535 with one component.
    const file = new Uint8Array([
      0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0,
    ])
    expect((await rejection(image().parse(post(file, 'image/jpeg')))).message).toBe(
      'The image is 65535×65535 pixels; this API takes at most 40000000 pixels',
    )
  })

  it('refuses formats the API does not take, and non-image types, with a 415', async () => {
    const file = png({ width: 3, height: 2, data: RGBA, channels: 4, depth: 8 })
    const error = await rejection(image({ formats: ['jpeg'] }).parse(post(file, 'image/png')))
    expect(error).toBeInstanceOf(UnsupportedMediaType)
    expect(error.message).toBe('The body is a PNG image; this API takes jpeg')
    expect(await rejection(image().parse(post(file, 'text/plain')))).toBeInstanceOf(UnsupportedMediaType)
  })

  it('reads the one file of a form, and multipart parts', async () => {
    const file = png({ width: 3, height: 2, data: RGBA, channels: 4, depth: 8 })
    const form = new FormData()
    form.append('picture', new Blob([file], { type: 'image/png' }), 'p.png')
    expect((await image().parse(new Request('http://tiffin.test/api', { method: 'POST', body: form }))).height).toBe(2)
    expect((await image().parsePart!(new Blob([file]), 'picture')).data).toEqual(new Uint8ClampedArray(RGBA))
  })

  it('answers with a PNG that decodes to the same pixels', async () => {
    const pixels: ImagePixels = { width: 3, height: 2, channels: 4, data: new Uint8ClampedArray(RGBA) }
    const response = await image().serialize(pixels)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(await image().parse(post(await response.arrayBuffer(), 'image/png'))).toEqual(pixels)
  })

  it('describes PNG and JPEG bodies in OpenAPI', () => {
    expect(image().requestContent()).toEqual({
      'image/png': { schema: { type: 'string', format: 'binary', contentMediaType: 'image/png' } },
      'image/jpeg': { schema: { type: 'string', format: 'binary', contentMediaType: 'image/jpeg' } },
    })
    expect(Object.keys(image({ formats: ['png'] }).requestContent())).toEqual(['image/png'])
  })
})
