import { encode as encodePng } from 'fast-png'
import fc from 'fast-check'
import jpeg from 'jpeg-js'
import { describe, expect, it } from 'vitest'
import { TiffinError } from '../../src/errors.js'
import type { IODescriptor } from '../../src/io/descriptor.js'
import { file } from '../../src/io/file.js'
import { image } from '../../src/io/image.js'
import { json, type StandardSchemaV1 } from '../../src/io/json.js'
import { multipart } from '../../src/io/multipart.js'
import { writeNpy } from '../../src/io/npy.js'
import { tensor } from '../../src/io/tensor.js'
import { text } from '../../src/io/text.js'
import { DTYPES } from '../../src/tensor.js'

const positive: StandardSchemaV1<unknown, number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => (typeof value === 'number' && value > 0 ? { value } : { issues: [{ message: 'Expected a positive number', path: [] }] }),
  },
}

const DESCRIPTORS: [string, IODescriptor<unknown>][] = [
  ['json', json()],
  ['json with a schema', json({ schema: positive })],
  ['tensor', tensor()],
  ['tensor, enforced int8 [-1, 2]', tensor({ dtype: 'int8', shape: [-1, 2], enforceDtype: true, enforceShape: true })],
  ['tensor float16', tensor({ dtype: 'float16' })],
  ['tensor uint64', tensor({ dtype: 'uint64', shape: [2], enforceShape: true })],
  ['image', image()],
  ['image, png only, 64 pixels', image({ formats: ['png'], maxPixels: 64 })],
  ['text', text()],
  ['text of 5', text({ maxLength: 5 })],
  ['file', file()],
  ['file of images', file({ mediaTypes: ['image/*'] })],
  ['multipart', multipart({ a: text(), b: tensor(), c: image(), d: json() })],
]

/** Valid files to mutate: the decoders' error paths are reached from bytes that are almost right. */
const SEEDS = [
  writeNpy({ dtype: 'float32', dims: [2, 2], data: new Float32Array([1, 2, 3, 4]) }),
  writeNpy({ dtype: 'int64', dims: [2], data: new BigInt64Array([1n, -1n]) }),
  encodePng({ width: 2, height: 2, channels: 4, depth: 8, data: new Uint8Array(16).fill(200) }),
  encodePng({ width: 3, height: 1, channels: 1, depth: 2, data: new Uint8Array([0b00011011]) }),
  encodePng({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 1]), palette: [[1, 2, 3], [4, 5, 6]] }),
  new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256).fill(90) }, 50).data),
  new TextEncoder().encode('{"dtype": "int8", "shape": [1, 2], "data": [[1, 2]]}'),
  new TextEncoder().encode('--X\r\nContent-Disposition: form-data; name="a"\r\n\r\nhi\r\n--X--\r\n'),
]

const mutated = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.option(fc.nat()))
  .map(([seed, patches, cut]) => {
    const bytes = Uint8Array.from(seed)
    for (const [at, value] of patches) bytes[at % bytes.length] = value
    return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1))
  })

const body = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ maxLength: 100 }),
  fc.json({ maxDepth: 4 }),
  mutated,
  mutated.map((bytes) => new Blob([Uint8Array.from(bytes)])), // as a form field's file
)

const contentType = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'application/x-npy',
    'application/octet-stream',
    'image/png',
    'image/jpeg',
    'text/plain; charset=utf-8',
    'text/plain; charset=latin1',
    'multipart/form-data; boundary=X',
    'multipart/form-data',
    'application/vnd.x+json',
    '*/*',
  ),
  fc.stringMatching(/^[ -~]{0,30}$/),
)

const tensorHeaders = fc.record(
  { 'x-tensor-dtype': fc.oneof(fc.constantFrom(...DTYPES), fc.stringMatching(/^[ -~]{0,10}$/)), 'x-tensor-shape': fc.stringMatching(/^[0-9, e.-]{0,12}$/) },
  { requiredKeys: [] },
)

/** Runs `work` and checks that it either succeeds or fails with a client error tiffin means to send. */
async function clientErrorOrValue(work: () => Promise<unknown>): Promise<void> {
  try {
    await work()
  } catch (error) {
    if (!(error instanceof TiffinError) || ![400, 413, 415, 422].includes(error.status)) throw error
  }
}

describe('every descriptor, given random bodies and content types', () => {
  it.each(DESCRIPTORS)('%s: parse succeeds or throws a TiffinError of status 400, 413, 415 or 422', async (_, descriptor) => {
    await fc.assert(
      fc.asyncProperty(body, contentType, tensorHeaders, async (payload, type, extra) => {
        const headers = new Headers(extra)
        if (type !== undefined) headers.set('content-type', type)
        const init = typeof payload === 'string' || payload instanceof Uint8Array || payload instanceof Blob ? payload : JSON.stringify(payload)
        const request = new Request('http://tiffin.test/api', { method: 'POST', body: init as BodyInit, headers })
        if (type === undefined) request.headers.delete('content-type') // fetch adds one for strings and Blobs
        await clientErrorOrValue(() => descriptor.parse(request))
      }),
      { numRuns: 250 },
    )
  })

  it.each(DESCRIPTORS.filter(([, d]) => d.parsePart))('%s: parsePart succeeds or throws a client error', async (_, descriptor) => {
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const part = typeof payload === 'string' ? payload : payload instanceof Blob ? payload : new Blob([payload instanceof Uint8Array ? Uint8Array.from(payload) : JSON.stringify(payload)])
        await clientErrorOrValue(() => descriptor.parsePart!(part, 'field'))
      }),
      { numRuns: 150 },
    )
  })

  it('the property is not vacuous: valid seeds parse', async () => {
    const npy = new Request('http://tiffin.test/api', { method: 'POST', body: Uint8Array.from(SEEDS[0]!), headers: { 'content-type': 'application/x-npy' } })
    expect((await tensor().parse(npy)).dims).toEqual([2, 2])
    const png = new Request('http://tiffin.test/api', { method: 'POST', body: Uint8Array.from(SEEDS[3]!), headers: { 'content-type': 'image/png' } })
    expect([...(await image().parse(png)).data.subarray(0, 12)]).toEqual([0, 0, 0, 255, 85, 85, 85, 255, 170, 170, 170, 255])
  })
})
