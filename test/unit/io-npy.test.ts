import { describe, expect, it } from 'vitest'
import { BadInput, Unprocessable } from '../../src/errors.js'
import { readNpy, writeNpy } from '../../src/tensor/npy.js'
import { allocate, DTYPES, type DType, type Tensor } from '../../src/tensor/tensor.js'

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0))
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/** A version 1.0 file assembled by hand from the format's description, data starting at `dataStart`. */
function handWritten(dict: string, data: Uint8Array, dataStart: number): Uint8Array {
  const header = dict.padEnd(dataStart - 10 - 1, ' ') + '\n'
  return new Uint8Array([
    0x93,
    ...ascii('NUMPY'),
    1,
    0,
    header.length & 0xff,
    header.length >> 8,
    ...ascii(header),
    ...data,
  ])
}

function float32Bytes(values: number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4))
  values.forEach((v, i) => view.setFloat32(i * 4, v, true))
  return new Uint8Array(view.buffer)
}

/** Files written by NumPy 2.4 (`np.lib.format.write_array`), base64. */
const NUMPY = {
  float32x2x3:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=',
  int64:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAgAEAAAAAACAABwAAAAAAAAA=',
  float16:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPgCA/3sAfA==',
  bool1x2:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAA==',
  uint8Scalar:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIArI',
  int16Version2:
    'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTInLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAIA',
  bigEndian:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAABAAAAAg==',
  fortran:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAhAAAAAAAAA8D8AAAAAAAAQQAAAAAAAAABAAAAAAAAAFEA=',
  object:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqABJWNAAAAAAAAAIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlIwFbnVtcHmUjAduZGFycmF5lJOUSwCFlEMBYpSHlFKUKEsBSwKFlGgDjAVkdHlwZZSTlIwCTziUiYiHlFKUKEsDjAF8lE5OTkr/////Sv////9LP3SUYoldlChOSwFldJRiLg==',
}

/** A tensor of `dtype` with distinct values that exercise each byte, including negatives where signed. */
function sample(dtype: DType, dims: number[]): Tensor {
  const data = allocate(
    dtype,
    dims.reduce((n, d) => n * d, 1),
  )
  for (let i = 0; i < data.length; i++) {
    const v = dtype === 'bool' ? i % 2 : dtype.startsWith('uint') || dtype === 'float16' ? i * 37 + 1 : (i - 3) * 37.25
    if (data instanceof BigInt64Array || data instanceof BigUint64Array)
      (data as BigInt64Array)[i] = BigInt(Math.trunc(v)) * 2n ** 40n
    else (data as Float64Array)[i] = dtype.startsWith('float') && dtype !== 'float16' ? v : Math.trunc(v)
  }
  return { dtype, dims, data }
}

describe('.npy', () => {
  it('reads a file assembled by hand from the format specification', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    const file = handWritten(dict, float32Bytes([0, 1.5, -2, 3, 4, 5]), 128)
    expect(readNpy(file)).toEqual({ dtype: 'float32', dims: [2, 3], data: new Float32Array([0, 1.5, -2, 3, 4, 5]) })
    // Old NumPy aligned the data to 16 bytes rather than 64; the reader takes the header length as written.
    const old = handWritten(
      "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }",
      new Uint8Array([1, 1, 0, 0]),
      80,
    )
    expect(readNpy(old)).toEqual({ dtype: 'int32', dims: [1], data: new Int32Array([257]) })
  })

  it('writes byte for byte what NumPy writes', () => {
    const t: Tensor = { dtype: 'float32', dims: [2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) }
    expect(writeNpy(t)).toEqual(fromBase64(NUMPY.float32x2x3))
    const header = new TextDecoder().decode(writeNpy(t).subarray(10, 128))
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} +\n$/)
  })

  it('reads files written by NumPy, versions 1.0 and 2.0', () => {
    expect(readNpy(fromBase64(NUMPY.float32x2x3)).data).toEqual(new Float32Array([0, 1, 2, 3, 4, 5]))
    expect(readNpy(fromBase64(NUMPY.int64))).toEqual({
      dtype: 'int64',
      dims: [3],
      data: new BigInt64Array([-(2n ** 63n), 2n ** 53n + 1n, 7n]),
    })
    // float16 stays raw bits: 1.5, -0, 65504, inf.
    expect(readNpy(fromBase64(NUMPY.float16))).toEqual({
      dtype: 'float16',
      dims: [4],
      data: new Uint16Array([0x3e00, 0x8000, 0x7bff, 0x7c00]),
    })
    expect(readNpy(fromBase64(NUMPY.bool1x2))).toEqual({ dtype: 'bool', dims: [1, 2], data: new Uint8Array([1, 0]) })
    expect(readNpy(fromBase64(NUMPY.uint8Scalar))).toEqual({ dtype: 'uint8', dims: [], data: new Uint8Array([200]) })
    expect(readNpy(fromBase64(NUMPY.int16Version2))).toEqual({
      dtype: 'int16',
      dims: [2],
      data: new Int16Array([1, 2]),
    })
  })

  it.each(DTYPES)('round-trips %s through the writer and the reader', (dtype) => {
    for (const dims of [[2, 3, 4], [5], [], [0, 3]]) {
      const t = sample(dtype, dims)
      const back = readNpy(writeNpy(t))
      expect(back).toEqual(t)
    }
  })

  it('reads a tensor whose data is a view into a larger buffer', () => {
    const data = new Int16Array([9, 8, 7, 6]).subarray(1, 3)
    expect(readNpy(writeNpy({ dtype: 'int16', dims: [2], data })).data).toEqual(new Int16Array([8, 7]))
  })

  it('refuses big-endian, Fortran-order and object arrays with a 422 that says what to do', () => {
    expect(() => readNpy(fromBase64(NUMPY.bigEndian))).toThrow(Unprocessable)
    expect(() => readNpy(fromBase64(NUMPY.bigEndian))).toThrow(
      'Big-endian .npy arrays (>i4) are not supported; save as little-endian (<i4)',
    )
    expect(() => readNpy(fromBase64(NUMPY.fortran))).toThrow(/Fortran-order .npy arrays are not supported/)
    expect(() => readNpy(fromBase64(NUMPY.object))).toThrow(
      'Object .npy arrays are not supported; expected a numeric dtype',
    )
    const complex = handWritten("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8), 128)
    expect(() => readNpy(complex)).toThrow(/The .npy dtype <c8 is not supported; expected one of <f2 <f4/)
  })

  it('refuses malformed files with a 400', () => {
    const good = fromBase64(NUMPY.float32x2x3)
    expect(() => readNpy(good.subarray(0, good.length - 1))).toThrow(BadInput)
    expect(() => readNpy(good.subarray(0, good.length - 1))).toThrow(
      'The .npy data is 23 bytes, but a float32 array of shape (2, 3) needs 24',
    )
    expect(() => readNpy(good.subarray(0, 9))).toThrow(/ends inside its preamble/)
    expect(() => readNpy(good.subarray(0, 60))).toThrow(/header claims 118 bytes/)
    expect(() => readNpy(new Uint8Array([1, 2, 3]))).toThrow(/not a .npy file/)
    expect(() => readNpy(handWritten("{'descr': '<f4'}", new Uint8Array(), 64))).toThrow(
      /must hold 'descr', 'fortran_order' and 'shape'/,
    )
    expect(() =>
      readNpy(handWritten("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new Uint8Array(), 128)),
    ).toThrow(/non-negative integers/)
  })
})
