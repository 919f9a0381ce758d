import { describe, expect, it } from 'vitest'
import { BadInput } from '../../src/errors.js'
import { castData } from '../../src/tensor/cast.js'
import { prepareFeeds, type IoSpec } from '../../src/onnx/feeds.js'
import { tensor } from '../../src/tensor/tensor.js'

const linear: IoSpec[] = [{ name: 'x', dtype: 'float32', dims: ['N', 4] }]
const twoInputs: IoSpec[] = [
  { name: 'a', dtype: 'float32', dims: ['N', 4] },
  { name: 'b', dtype: 'int64', dims: ['N', 2] },
]

const floats = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i / 2)

describe('prepareFeeds: names', () => {
  it('passes tensors of the declared dtype and dims through without copying', () => {
    const x = tensor('float32', [2, 4], floats(8))
    const prepared = prepareFeeds({ x }, linear, 'linear:abc')
    expect(prepared.x!.data).toBe(x.data)
    expect(prepared.x!.dims).toEqual([2, 4])
  })

  it('takes a bare tensor for a model with exactly one input', () => {
    const x = tensor('float32', [1, 4], floats(4))
    expect(prepareFeeds(x, linear, 'linear:abc').x!.data).toBe(x.data)
  })

  it('refuses a bare tensor for a model with several inputs, naming them', () => {
    expect(() => prepareFeeds(tensor('float32', [1, 4], floats(4)), twoInputs, 'two:1')).toThrow(
      /two:1 has 2 inputs \(a \(float32 \[N, 4\]\), b \(int64 \[N, 2\]\)\): pass a record keyed by input name/,
    )
  })

  it('refuses an unknown input name, listing the expected ones', () => {
    const call = () => prepareFeeds({ input: tensor('float32', [1, 4], floats(4)) }, linear, 'linear:abc')
    expect(call).toThrow(BadInput)
    expect(call).toThrow('linear:abc has no input "input"; its inputs are x (float32 [N, 4])')
  })

  it('refuses a missing input', () => {
    expect(() => prepareFeeds({ a: tensor('float32', [1, 4], floats(4)) }, twoInputs, 'two:1')).toThrow(
      /two:1 is missing input "b"; its inputs are a .*, b \(int64 \[N, 2\]\)/,
    )
  })

  it('refuses things that are not tensors', () => {
    expect(() => prepareFeeds({ x: 'hello' } as never, linear, 'm:1')).toThrow(
      'input "x" of m:1: expected a tensor { dtype, dims, data }, got string',
    )
    expect(() => prepareFeeds(null as never, linear, 'm:1')).toThrow(
      /m:1 takes a record of tensors keyed by input name .*got null/,
    )
    expect(() => prepareFeeds({ x: { dims: [1, 4], data: [1, 2, 3] } }, linear, 'm:1')).toThrow(
      'input "x" of m:1: dims [1, 4] hold 4 elements, but data has 3',
    )
  })
})

describe('prepareFeeds: dims', () => {
  it('refuses a fixed dim that differs, quoting the declared and the given dims', () => {
    const call = () => prepareFeeds({ x: tensor('float32', [2, 5], floats(10)) }, linear, 'linear:abc')
    expect(call).toThrow(BadInput)
    expect(call).toThrow('input "x" of linear:abc: expected dims [N, 4], got [2, 5]')
  })

  it('refuses a different rank', () => {
    expect(() => prepareFeeds({ x: tensor('float32', [4], floats(4)) }, linear, 'linear:abc')).toThrow(
      'input "x" of linear:abc: expected dims [N, 4], got [4]',
    )
  })

  it('refuses a symbolic dim that has different sizes in two inputs', () => {
    const feeds = { a: tensor('float32', [3, 4], floats(12)), b: tensor('int64', [2, 2], new BigInt64Array(4)) }
    expect(() => prepareFeeds(feeds, twoInputs, 'two:1')).toThrow(
      'input "b" of two:1: dimension N is 2 here but 3 in input "a" (dims [N, 2], got [2, 2])',
    )
  })

  it('accepts any size for unnamed free dims and any shape when none is declared', () => {
    const free: IoSpec[] = [{ name: 'x', dtype: 'float32', dims: [null, null] }]
    expect(prepareFeeds({ x: tensor('float32', [3, 5], floats(15)) }, free, 'm:1').x!.dims).toEqual([3, 5])
    const unknown: IoSpec[] = [{ name: 'x', dtype: 'float32', dims: undefined }]
    expect(prepareFeeds({ x: tensor('float32', [2, 2, 2], floats(8)) }, unknown, 'm:1').x!.dims).toEqual([2, 2, 2])
  })
})

describe('prepareFeeds: dtypes', () => {
  it('casts float64 to float32 (rounding) and int32 to int64', () => {
    const prepared = prepareFeeds(
      {
        a: tensor('float64', [1, 4], Float64Array.of(0.1, 2, -3.5, 1e-3)),
        b: tensor('int32', [1, 2], Int32Array.of(-7, 2 ** 31 - 1)),
      },
      twoInputs,
      'two:1',
    )
    expect(prepared.a!.dtype).toBe('float32')
    expect(prepared.a!.data).toEqual(Float32Array.of(0.1, 2, -3.5, 1e-3))
    expect(prepared.b!.dtype).toBe('int64')
    expect(prepared.b!.data).toEqual(BigInt64Array.of(-7n, 2n ** 31n - 1n))
  })

  it('takes plain number arrays, and whole floats for integer inputs', () => {
    const prepared = prepareFeeds(
      { a: { dims: [1, 4], data: [1, 2.5, 3, 4] }, b: { dims: [1, 2], data: [3, -4] } },
      twoInputs,
      'two:1',
    )
    expect(prepared.a!.data).toEqual(Float32Array.of(1, 2.5, 3, 4))
    expect(prepared.b!.data).toEqual(BigInt64Array.of(3n, -4n))
    const whole = prepareFeeds(
      { a: { dims: [1, 4], data: [0, 0, 0, 0] }, b: tensor('float32', [1, 2], Float32Array.of(2, -9)) },
      twoInputs,
      'two:1',
    )
    expect(whole.b!.data).toEqual(BigInt64Array.of(2n, -9n))
  })

  it('refuses a float that is not a whole number for an int64 input, naming the value', () => {
    const call = () =>
      prepareFeeds(
        { a: { dims: [1, 4], data: [0, 0, 0, 0] }, b: tensor('float32', [1, 2], Float32Array.of(2, 2.5)) },
        twoInputs,
        'two:1',
      )
    expect(call).toThrow(BadInput)
    expect(call).toThrow(
      'input "b" of two:1: expected int64; cannot convert float32 to int64 without changing values (2.5 at index 1 is not an integer)',
    )
  })

  it('refuses a dtype that disagrees with its typed array', () => {
    const bad = { dtype: 'int64' as const, dims: [1, 4], data: floats(4) }
    expect(() => prepareFeeds({ x: bad }, linear, 'm:1')).toThrow(
      'input "x" of m:1: a int64 tensor cannot hold its data in a Float32Array',
    )
  })

  it('refuses strings and nulls in plain arrays', () => {
    expect(() => prepareFeeds({ x: { dims: [1, 4], data: [1, '2', 3, 4] as never } }, linear, 'm:1')).toThrow(
      /\("2" at index 1 is not a number\)/,
    )
  })
})

describe('castData', () => {
  it('returns the same array when the dtype already matches', () => {
    const data = Int32Array.of(1, 2)
    expect(castData(data, 'int32', 'int32', 'x')).toBe(data)
  })

  it('refuses integers that float32 cannot hold exactly, and float64 that overflows float32', () => {
    expect(() => castData(Int32Array.of(2 ** 24 + 1), 'int32', 'float32', 'x')).toThrow(
      '(16777217 at index 0 is not exactly representable as float32)',
    )
    expect(() => castData(Float64Array.of(1e300), 'float64', 'float32', 'x')).toThrow(
      '(1e+300 at index 0 overflows float32)',
    )
    expect(castData(Float64Array.of(Number.NaN, Infinity), 'float64', 'float32', 'x')).toEqual(
      Float32Array.of(Number.NaN, Infinity),
    )
  })

  it('checks integer ranges, 64-bit ones exactly', () => {
    expect(() => castData(Int32Array.of(300), 'int32', 'uint8', 'x')).toThrow(
      "(300 at index 0 is out of uint8's range)",
    )
    expect(() => castData(BigInt64Array.of(-1n), 'int64', 'uint64', 'x')).toThrow(
      "(-1 at index 0 is out of uint64's range)",
    )
    expect(castData(BigUint64Array.of(2n ** 63n - 1n), 'uint64', 'int64', 'x')).toEqual(
      BigInt64Array.of(2n ** 63n - 1n),
    )
    expect(() => castData(BigUint64Array.of(2n ** 63n), 'uint64', 'int64', 'x')).toThrow(/out of int64's range/)
  })

  it('takes 0/1 and booleans for bool, and nothing else', () => {
    expect(castData([true, false, true], undefined, 'bool', 'x')).toEqual(Uint8Array.of(1, 0, 1))
    expect(castData([0, 1], undefined, 'bool', 'x')).toEqual(Uint8Array.of(0, 1))
    expect(() => castData(Uint8Array.of(2), 'uint8', 'bool', 'x')).toThrow("(2 at index 0 is out of bool's range)")
  })

  it('converts float16 only to itself', () => {
    expect(() => castData(Float32Array.of(1), 'float32', 'float16', 'x')).toThrow(
      /float16 data \(raw bits in a Uint16Array\) is only accepted for float16 inputs/,
    )
    const bits = Uint16Array.of(0x3c00)
    expect(castData(bits, 'float16', 'float16', 'x')).toBe(bits)
  })
})
