// Compares model outputs with their references; runs unchanged in Node and in the browser.
import type { Tensor } from '../../src/tensor/tensor.js'

/** The first difference from the reference (floats within abs 1e-4 + rel 1e-4, integers exact), or ''. */
export function difference(actual: Record<string, Tensor>, expected: Record<string, Tensor>): string {
  const names = (r: object): string => Object.keys(r).sort().join(', ')
  if (names(actual) !== names(expected)) return `outputs ${names(actual)}, expected ${names(expected)}`
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name]!
    if (got.dtype !== want.dtype || got.dims.join() !== want.dims.join())
      return `${name}: ${got.dtype} [${got.dims}], expected ${want.dtype} [${want.dims}]`
    if (got.data.constructor !== want.data.constructor)
      return `${name}: data is a ${got.data.constructor.name}, expected ${want.data.constructor.name}`
    const float = want.dtype === 'float32' || want.dtype === 'float64'
    for (let i = 0; i < want.data.length; i++) {
      const [g, w] = [got.data[i]!, want.data[i]!]
      const ok = float ? Math.abs((g as number) - (w as number)) <= 1e-4 + 1e-4 * Math.abs(w as number) : g === w
      if (!ok) return `${name}[${i}]: got ${g}, expected ${w}`
    }
  }
  return ''
}
