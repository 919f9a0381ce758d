import { describe, expect, it } from 'vitest'
import { BadInput, Unprocessable, UnsupportedMediaType } from '../../src/errors.js'
import { readNpy, writeNpy } from '../../src/tensor/npy.js'
import { tensor } from '../../src/io/tensor.js'
import { floatToHalf, halfToFloat } from '../../src/tensor/json.js'
import type { Tensor } from '../../src/tensor/tensor.js'

const post = (body: BodyInit, type: string, headers: Record<string, string> = {}) =>
  new Request('http://tiffin.test/api', { method: 'POST', body, headers: { 'content-type': type, ...headers } })
const postJson = (value: unknown) => post(JSON.stringify(value), 'application/json')
const accepting = (accept: string) => new Request('http://tiffin.test/api', { headers: { accept } })
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('parse resolved'),
    (e: unknown) => e as Error,
  )

describe('tensor input', () => {
  it('reads JSON nested arrays into exact data and dims, float32 unless the API says otherwise', async () => {
    expect(
      await tensor().parse(
        postJson([
          [1, 2.5, 3],
          [4, 5, -6],
        ]),
      ),
    ).toEqual({ dtype: 'float32', dims: [2, 3], data: new Float32Array([1, 2.5, 3, 4, 5, -6]) })
    expect(await tensor({ dtype: 'int32' }).parse(postJson([[[1], [2]]]))).toEqual({
      dtype: 'int32',
      dims: [1, 2, 1],
      data: new Int32Array([1, 2]),
    })
    expect(await tensor({ dtype: 'bool' }).parse(postJson([true, false, 1]))).toEqual({
      dtype: 'bool',
      dims: [3],
      data: new Uint8Array([1, 0, 1]),
    })
    expect(await tensor({ dtype: 'float64' }).parse(postJson(7))).toEqual({
      dtype: 'float64',
      dims: [],
      data: new Float64Array([7]),
    })
  })

  it('reads the object form, with data flat or nested, and shape or dims', async () => {
    const flat = await tensor().parse(postJson({ dtype: 'int64', shape: [2, 2], data: [1, 2, 3, '9007199254740993'] }))
    expect(flat).toEqual({ dtype: 'int64', dims: [2, 2], data: new BigInt64Array([1n, 2n, 3n, 9007199254740993n]) })
    const nested = await tensor().parse(postJson({ dtype: 'uint8', dims: [2, 1], data: [[1], [2]] }))
    expect(nested).toEqual({ dtype: 'uint8', dims: [2, 1], data: new Uint8Array([1, 2]) })
    expect(await tensor().parse(postJson({ data: [1, 'NaN', '-Infinity'] }))).toEqual({
      dtype: 'float32',
      dims: [3],
      data: new Float32Array([1, NaN, -Infinity]),
    })
  })

  it('refuses malformed JSON tensors with a 400 naming the place', async () => {
    expect(await rejection(tensor().parse(postJson([[1, 2], [3]])))).toMatchObject({
      status: 400,
      message: 'Expected 2 items at [1] (shape [2, 2]), found 1 items; rows must be of equal length',
    })
    expect((await rejection(tensor().parse(postJson([[1, 'x']])))).message).toBe(
      'Expected a number at [0][1], found "x"',
    )
    expect((await rejection(tensor().parse(postJson({ dtype: 'int8', shape: [3], data: [1, 2] })))).message).toBe(
      'The shape [3] holds 3 elements, but data holds 2',
    )
    expect((await rejection(tensor().parse(postJson({ dtype: 'complex64', data: [1] })))).message).toMatch(
      /^Unknown dtype "complex64"; expected one of float32/,
    )
    expect((await rejection(tensor().parse(postJson({ dtype: 'int8', data: [1000] })))).message).toMatch(
      /1000 at index 0 is out of int8's range/,
    )
    expect(await rejection(tensor().parse(postJson({ values: [1] })))).toBeInstanceOf(BadInput)
    expect((await rejection(tensor().parse(postJson(JSON.parse('['.repeat(40) + ']'.repeat(40)))))).message).toMatch(
      /nested 40 deep/,
    )
  })

  it('reads raw little-endian bytes with x-tensor-dtype and x-tensor-shape', async () => {
    const bytes = new Uint8Array(new Int16Array([1, -2, 3, 400, 5, 6]).buffer)
    const t = await tensor().parse(
      post(bytes, 'application/octet-stream', { 'x-tensor-dtype': 'int16', 'x-tensor-shape': '3, 2' }),
    )
    expect(t).toEqual({ dtype: 'int16', dims: [3, 2], data: new Int16Array([1, -2, 3, 400, 5, 6]) })
    // Without headers: the declared dtype, and a flat shape.
    const flat = await tensor({ dtype: 'float32' }).parse(
      post(new Uint8Array(new Float32Array([0.5, 2]).buffer), 'application/octet-stream'),
    )
    expect(flat).toEqual({ dtype: 'float32', dims: [2], data: new Float32Array([0.5, 2]) })
  })

  it('refuses raw bytes whose length is not elements × dtype size with a 400', async () => {
    const error = await rejection(
      tensor().parse(
        post(new Uint8Array(10), 'application/octet-stream', { 'x-tensor-dtype': 'float32', 'x-tensor-shape': '2,2' }),
      ),
    )
    expect(error).toBeInstanceOf(BadInput)
    expect(error.message).toBe('A float32 tensor of shape [2, 2] is 16 bytes; the body has 10')
    expect((await rejection(tensor().parse(post(new Uint8Array(4), 'application/octet-stream')))).message).toBe(
      'Raw tensor bytes need their dtype in the x-tensor-dtype header',
    )
    const badShape = post(new Uint8Array(4), 'application/octet-stream', {
      'x-tensor-dtype': 'int8',
      'x-tensor-shape': '2,-2',
    })
    expect((await rejection(tensor().parse(badShape))).message).toMatch(
      /x-tensor-shape must be comma-separated non-negative integers/,
    )
  })

  it('reads .npy as application/x-npy, and octet-stream bodies that start with the .npy magic', async () => {
    const t: Tensor = { dtype: 'float64', dims: [2], data: new Float64Array([1.25, -3]) }
    expect(await tensor().parse(post(writeNpy(t), 'application/x-npy'))).toEqual(t)
    expect(await tensor().parse(post(writeNpy(t), 'application/octet-stream'))).toEqual(t)
  })

  it('with enforceDtype, refuses another dtype with a 422', async () => {
    const d = tensor({ dtype: 'float32', enforceDtype: true })
    const npy = writeNpy({ dtype: 'int64', dims: [1], data: new BigInt64Array([1n]) })
    const error = await rejection(d.parse(post(npy, 'application/x-npy')))
    expect(error).toBeInstanceOf(Unprocessable)
    expect(error.message).toBe('Wrong tensor dtype: expected float32, got int64')
    // Plain JSON numbers have no dtype of their own: they take the declared one when they fit.
    expect((await d.parse(postJson([1, 2]))).dtype).toBe('float32')
  })

  it('without enforceDtype, casts values that fit and refuses (422) values that would change', async () => {
    const d = tensor({ dtype: 'float32' })
    const npy = writeNpy({ dtype: 'int64', dims: [2], data: new BigInt64Array([3n, -4n]) })
    expect(await d.parse(post(npy, 'application/x-npy'))).toEqual({
      dtype: 'float32',
      dims: [2],
      data: new Float32Array([3, -4]),
    })
    const tooBig = writeNpy({ dtype: 'int64', dims: [1], data: new BigInt64Array([2n ** 40n + 1n]) })
    expect(await rejection(d.parse(post(tooBig, 'application/x-npy')))).toMatchObject({
      status: 422,
      message: expect.stringMatching(/not exactly representable/),
    })
    expect(await rejection(tensor({ dtype: 'uint8' }).parse(postJson([1.5])))).toMatchObject({
      status: 422,
      message: expect.stringMatching(/1.5 at index 0 is not an integer/),
    })
    expect(await tensor({ dtype: 'int64' }).parse(postJson({ dtype: 'float64', data: [2, 3] }))).toEqual({
      dtype: 'int64',
      dims: [2],
      data: new BigInt64Array([2n, 3n]),
    })
  })

  it('with enforceShape, refuses a shape that does not match, -1 matching any size', async () => {
    const d = tensor({ shape: [-1, 4], enforceShape: true })
    expect((await d.parse(postJson([[1, 2, 3, 4]]))).dims).toEqual([1, 4])
    const error = await rejection(
      d.parse(
        postJson([
          [1, 2, 3, 4, 5],
          [1, 2, 3, 4, 5],
        ]),
      ),
    )
    expect(error).toMatchObject({ status: 422, message: 'Wrong tensor shape: expected shape [-1, 4], got [2, 5]' })
    expect((await tensor({ shape: [-1, 4] }).parse(postJson([1]))).dims).toEqual([1]) // not enforced
  })

  it('refuses other content types with a 415', async () => {
    const error = await rejection(tensor().parse(post('1,2', 'text/csv')))
    expect(error).toBeInstanceOf(UnsupportedMediaType)
    expect(error.message).toBe(
      'The request has Content-Type text/csv; expected application/json or application/x-npy or application/octet-stream',
    )
  })

  it('reads multipart parts as JSON or .npy', async () => {
    const d = tensor({ dtype: 'int32' })
    expect(await d.parsePart!('[[1, 2]]', 'x')).toEqual({ dtype: 'int32', dims: [1, 2], data: new Int32Array([1, 2]) })
    const npy = new Blob([writeNpy({ dtype: 'int32', dims: [1], data: new Int32Array([5]) })])
    expect(await d.parsePart!(npy, 'x')).toEqual({ dtype: 'int32', dims: [1], data: new Int32Array([5]) })
  })
})

describe('tensor output', () => {
  const t: Tensor<'int64'> = {
    dtype: 'int64',
    dims: [2, 2],
    data: new BigInt64Array([1n, -2n, 2n ** 53n + 1n, -(2n ** 63n)]),
  }

  it('answers JSON nested arrays by default, int64 as numbers when safe and strings otherwise', async () => {
    const response = await tensor().serialize(t)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual([
      [1, -2],
      ['9007199254740993', '-9223372036854775808'],
    ])
    const floats = await tensor().serialize({
      dtype: 'float32',
      dims: [3],
      data: new Float32Array([0.5, NaN, -Infinity]),
    })
    expect(await floats.json()).toEqual([0.5, 'NaN', '-Infinity'])
    const flags = await tensor().serialize({ dtype: 'bool', dims: [], data: new Uint8Array([1]) })
    expect(await flags.json()).toBe(true)
  })

  it('refuses to write a result whose data does not fill its shape', () => {
    expect(() => tensor().serialize({ dtype: 'float32', dims: [2, 2], data: new Float32Array(3) })).toThrow(
      'A tensor result of shape [2, 2] needs 4 elements, but its data has 3',
    )
  })

  it('round-trips int64 and special floats through its own JSON', async () => {
    const back = await tensor().parse(
      postJson({ dtype: 'int64', shape: [2, 2], data: await (await tensor().serialize(t)).json() }),
    )
    expect(back).toEqual(t)
  })

  it('answers .npy or raw bytes with headers when Accept asks for them', async () => {
    const npy = await tensor().serialize(t, accepting('application/x-npy'))
    expect(npy.headers.get('content-type')).toBe('application/x-npy')
    expect(readNpy(new Uint8Array(await npy.arrayBuffer()))).toEqual(t)
    const raw = await tensor().serialize(t, accepting('text/html;q=0.9, application/octet-stream'))
    expect(raw.headers.get('content-type')).toBe('application/octet-stream')
    expect(raw.headers.get('x-tensor-dtype')).toBe('int64')
    expect(raw.headers.get('x-tensor-shape')).toBe('2,2')
    expect(new BigInt64Array(await raw.arrayBuffer())).toEqual(t.data)
    expect(
      (await tensor().serialize(t, accepting('application/x-npy;q=0.5, application/json'))).headers.get('content-type'),
    ).toMatch(/json/)
    expect((await tensor().serialize(t, accepting('*/*'))).headers.get('content-type')).toMatch(/json/)
  })

  it('writes float16 as its values in JSON, and reads JSON numbers into float16 bits', async () => {
    const half: Tensor = { dtype: 'float16', dims: [3], data: new Uint16Array([0x3e00, 0xc000, 0x7bff]) }
    expect(await (await tensor().serialize(half)).json()).toEqual([1.5, -2, 65504])
    expect(await tensor({ dtype: 'float16' }).parse(postJson([1.5, -2, 65504]))).toEqual(half)
  })

  it('converts float16 exactly, rounding ties to even', () => {
    const mismatches: number[] = []
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = halfToFloat(bits)
      if (!Number.isNaN(value) && floatToHalf(value) !== bits) mismatches.push(bits)
    }
    expect(mismatches).toEqual([])
    expect([halfToFloat(0x0001), halfToFloat(0x3555), halfToFloat(0xfc00)]).toEqual([
      2 ** -24,
      0.333251953125,
      -Infinity,
    ])
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00) // halfway between 1 and the next half: to even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02)
    expect(floatToHalf(65519)).toBe(0x7bff)
    expect(floatToHalf(65520)).toBe(0x7c00)
    expect(floatToHalf(2 ** -25)).toBe(0) // halfway to the smallest subnormal: to even, zero
    expect(floatToHalf(NaN) & 0x7c00).toBe(0x7c00)
  })

  it('describes JSON, .npy and raw bytes in OpenAPI, with the declared shape', () => {
    const content = tensor({ dtype: 'float32', shape: [-1, 2] }).responseContent()
    expect(Object.keys(content)).toEqual(['application/json', 'application/x-npy', 'application/octet-stream'])
    expect(content['application/json']!.schema).toEqual({
      type: 'array',
      items: {
        type: 'array',
        items: { anyOf: [{ type: 'number' }, { enum: ['NaN', 'Infinity', '-Infinity'] }] },
        minItems: 2,
        maxItems: 2,
      },
    })
    expect(content['application/x-npy']!.schema).toMatchObject({
      type: 'string',
      format: 'binary',
      contentMediaType: 'application/x-npy',
    })
    expect(tensor().requestContent()['application/json']!.schema).toHaveProperty('oneOf')
  })
})
