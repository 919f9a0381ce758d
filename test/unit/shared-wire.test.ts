import { describe, expect, it } from 'vitest'
import { decodeFrom, encodeInto } from '../../src/runner/shared-wire.js'

const memory = (bytes = 1 << 20) => new Uint8Array(new SharedArrayBuffer(bytes))

function roundTrip(value: unknown): unknown {
  const target = memory()
  const length = encodeInto(value, target)
  expect(length).toBeGreaterThan(0)
  return decodeFrom(target.subarray(0, length))
}

describe('the shared-memory wire', () => {
  it('carries plain data and every kind of typed array exactly', () => {
    const value = {
      method: 'run',
      nested: { list: [1, -2.5, 'three', true, null, { deep: [[]] }], empty: {} },
      unicode: 'päper ✓ 𝄞',
      i8: Int8Array.of(-128, 127),
      u8: Uint8Array.of(0, 255),
      clamped: Uint8ClampedArray.of(9),
      i16: Int16Array.of(-32768),
      u16: Uint16Array.of(65535),
      i32: Int32Array.of(-(2 ** 31)),
      u32: Uint32Array.of(2 ** 32 - 1),
      f32: Float32Array.of(Math.fround(0.1), -0),
      f64: Float64Array.of(Math.PI, Number.MIN_VALUE),
      i64: BigInt64Array.of(-(2n ** 63n)),
      u64: BigUint64Array.of(2n ** 64n - 1n),
      odd: new Uint8Array(new ArrayBuffer(16), 3, 5).fill(7),
    }
    const back = roundTrip(value) as typeof value
    expect(back).toEqual(value)
    expect(Object.is(back.f32[1], -0)).toBe(true)
    for (const key of ['i8', 'u8', 'clamped', 'i16', 'u16', 'i32', 'u32', 'f32', 'f64', 'i64', 'u64', 'odd'] as const)
      expect(back[key].constructor).toBe(value[key].constructor)
  })

  it('gives every typed array a buffer of its own, not the shared memory', () => {
    const back = roundTrip({ a: Float32Array.of(1, 2), b: Float32Array.of(3) }) as Record<string, Float32Array>
    expect(back.a!.buffer).not.toBe(back.b!.buffer)
    expect(back.a!.buffer).toBeInstanceOf(ArrayBuffer)
    expect(back.a!.buffer.byteLength).toBe(8)
  })

  it('leaves out properties that are undefined, as they read the same', () => {
    expect(roundTrip({ ok: false, error: { name: 'Error', message: 'm', code: undefined } })).toEqual({
      ok: false,
      error: { name: 'Error', message: 'm' },
    })
  })

  it.each([
    ['a Date', { at: new Date(0) }],
    ['a Map', new Map([[1, 2]])],
    ['NaN', { x: Number.NaN }],
    ['Infinity', [Infinity]],
    ['a bigint', { n: 1n }],
    ['a hole in an array', [1, undefined, 3]],
    ['an ArrayBuffer', { bytes: new ArrayBuffer(4) }],
    ['a DataView', { view: new DataView(new ArrayBuffer(4)) }],
    ['a class instance', { when: new (class Point {})() }],
    ['a function', { f: () => 1 }],
    ['an object that looks like a marker', { '\u0000ta': [0, 0, 1] }],
    ['undefined itself', undefined],
  ])('refuses %s, which goes by message instead', (_what, value) => {
    expect(encodeInto(value, memory())).toBeUndefined()
  })

  it('refuses what does not fit', () => {
    const target = memory(1024)
    expect(encodeInto({ data: new Float32Array(256) }, target)).toBeUndefined()
    expect(encodeInto({ data: new Float32Array(200) }, target)).toBeGreaterThan(800)
  })
})
