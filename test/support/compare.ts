import { expect } from 'vitest'
import type { Tensor } from '../../src/tensor.js'

/** Checks every output against the reference: floats within abs 1e-4 + rel 1e-4, integers exactly. */
export function expectClose(actual: Record<string, Tensor>, expected: Record<string, Tensor>, what: string): void {
  expect(Object.keys(actual).sort(), what).toEqual(Object.keys(expected).sort())
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name]!
    expect(got.dtype, `${what}: ${name} dtype`).toBe(want.dtype)
    expect([...got.dims], `${what}: ${name} dims`).toEqual([...want.dims])
    if (typeof want.data[0] === 'bigint') {
      expect(Array.from(got.data as BigInt64Array), `${what}: ${name}`).toEqual(Array.from(want.data as BigInt64Array))
      continue
    }
    for (let i = 0; i < want.data.length; i++) {
      const w = want.data[i] as number
      const g = got.data[i] as number
      if (Math.abs(g - w) > 1e-4 + 1e-4 * Math.abs(w)) expect(g, `${what}: ${name}[${i}]`).toBeCloseTo(w, 4)
    }
  }
}
