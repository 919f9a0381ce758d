// Hostile request parts for property tests: bodies (random, or valid files with bytes changed or cut),
// content types, and tensor headers. Shared by the IO descriptor and HTTP fuzz tests.
import { encode as encodePng } from 'fast-png'
import fc from 'fast-check'
import jpeg from 'jpeg-js'
import { writeNpy } from '../../src/tensor/npy.js'
import { DTYPES } from '../../src/tensor/tensor.js'

/** Valid files to mutate: the decoders' error paths are reached from bytes that are almost right. */
export const SEEDS = [
  writeNpy({ dtype: 'float32', dims: [2, 2], data: new Float32Array([1, 2, 3, 4]) }),
  writeNpy({ dtype: 'int64', dims: [2], data: new BigInt64Array([1n, -1n]) }),
  encodePng({ width: 2, height: 2, channels: 4, depth: 8, data: new Uint8Array(16).fill(200) }),
  encodePng({ width: 3, height: 1, channels: 1, depth: 2, data: new Uint8Array([0b00011011]) }),
  encodePng({
    width: 2,
    height: 1,
    channels: 1,
    depth: 8,
    data: new Uint8Array([0, 1]),
    palette: [
      [1, 2, 3],
      [4, 5, 6],
    ],
  }),
  new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256).fill(90) }, 50).data),
  new TextEncoder().encode('{"dtype": "int8", "shape": [1, 2], "data": [[1, 2]]}'),
  new TextEncoder().encode('--X\r\nContent-Disposition: form-data; name="a"\r\n\r\nhi\r\n--X--\r\n'),
]

export const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    fc.option(fc.nat()),
  )
  .map(([seed, patches, cut]) => {
    const bytes = Uint8Array.from(seed)
    for (const [at, value] of patches) bytes[at % bytes.length] = value
    return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1))
  })

export const body = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ maxLength: 100 }),
  fc.json({ maxDepth: 4 }),
  mutated,
  mutated.map((bytes) => new Blob([Uint8Array.from(bytes)])), // as a form field's file
)

export const contentType = fc.oneof(
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

export const tensorHeaders = fc.record(
  {
    'x-tensor-dtype': fc.oneof(fc.constantFrom(...DTYPES), fc.stringMatching(/^[ -~]{0,10}$/)),
    'x-tensor-shape': fc.stringMatching(/^[0-9, e.-]{0,12}$/),
  },
  { requiredKeys: [] },
)
