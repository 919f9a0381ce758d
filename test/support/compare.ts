import { expect } from 'vitest'
import type { Tensor } from '../../src/tensor/tensor.js'
import { difference } from '../shared/difference.js'

/** Checks every output against the reference: floats within abs 1e-4 + rel 1e-4, integers exactly. */
export function expectClose(actual: Record<string, Tensor>, expected: Record<string, Tensor>, what: string): void {
  expect(difference(actual, expected), what).toBe('')
}
