import { BadInput } from '../errors.js'
import { ARRAY_OF_DTYPE } from './dtypes.js'

/** The typed array that holds each dtype's elements (`bool` as one byte each, `float16` as raw bits). */
export interface TypedArrays {
  float32: Float32Array
  float64: Float64Array
  float16: Uint16Array
  int8: Int8Array
  uint8: Uint8Array
  int16: Int16Array
  uint16: Uint16Array
  int32: Int32Array
  uint32: Uint32Array
  int64: BigInt64Array
  uint64: BigUint64Array
  bool: Uint8Array
}

export type DType = keyof TypedArrays
export type TypedArray = TypedArrays[DType]

/** A dense, row-major tensor. Shared by runners, the batcher, IO descriptors and the wire formats. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D
  readonly dims: readonly number[]
  readonly data: TypedArrays[D]
}

export const DTYPES = Object.keys(ARRAY_OF_DTYPE) as DType[]

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(ARRAY_OF_DTYPE, value)
}

export function isBigIntDType(dtype: DType): dtype is 'int64' | 'uint64' {
  return dtype === 'int64' || dtype === 'uint64'
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1)
}

/** Allocates a zeroed typed array of `length` elements for `dtype`. */
export function allocate<D extends DType>(dtype: D, length: number): TypedArrays[D] {
  return new ARRAY_OF_DTYPE[dtype](length) as TypedArrays[D]
}

/** Builds a tensor, checking that `data` has the type and the length that `dtype` and `dims` ask for. */
export function tensor<D extends DType>(dtype: D, dims: readonly number[], data: TypedArrays[D]): Tensor<D> {
  if (!isDType(dtype)) throw new BadInput(`Unknown dtype "${String(dtype)}"; expected one of ${DTYPES.join(', ')}`)
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0)
      throw new BadInput(`Tensor dims must be non-negative integers, got [${dims.join(', ')}]`)
  }
  if (!(data instanceof ARRAY_OF_DTYPE[dtype])) {
    throw new BadInput(
      `A ${dtype} tensor needs a ${ARRAY_OF_DTYPE[dtype].name}, got ${data?.constructor?.name ?? typeof data}`,
    )
  }
  const expected = elementCount(dims)
  if (data.length !== expected) {
    throw new BadInput(
      `A tensor of dims [${dims.join(', ')}] holds ${expected} elements, but its data has ${data.length}`,
    )
  }
  return { dtype, dims: [...dims], data }
}

/** A nested array of numbers (or bigints, or booleans), as JSON carries a tensor. */
export type Nested = number | bigint | boolean | readonly Nested[]

/** Infers the dims of a rectangular nested array; throws when rows differ in length. */
export function nestedDims(value: Nested): number[] {
  const dims: number[] = []
  let level: Nested = value
  while (Array.isArray(level)) {
    dims.push(level.length)
    if (level.length === 0) break
    level = level[0] as Nested
  }
  return dims
}

/** Builds a tensor from nested arrays; the array must be rectangular and hold values of one kind. */
export function fromNested<D extends DType>(
  dtype: D,
  value: Nested,
  dims: readonly number[] = nestedDims(value),
): Tensor<D> {
  if (!isDType(dtype)) throw new BadInput(`Unknown dtype "${String(dtype)}"; expected one of ${DTYPES.join(', ')}`)
  const data = allocate(dtype, elementCount(dims))
  const big = isBigIntDType(dtype)
  let i = 0
  const walk = (node: Nested, depth: number, path: string): void => {
    if (depth === dims.length) {
      if (Array.isArray(node))
        throw new BadInput(`Expected a number at ${path || 'the top'}, found an array (dims [${dims.join(', ')}])`)
      const scalar = node as number | bigint | boolean
      if (typeof scalar === 'bigint' || typeof scalar === 'number' || typeof scalar === 'boolean') {
        if (typeof scalar === 'number' && !Number.isFinite(scalar) && !dtype.startsWith('float')) {
          throw new BadInput(`${dtype} cannot hold ${scalar} (at ${path})`)
        }
        if (big) {
          if (typeof scalar === 'number' && !Number.isInteger(scalar))
            throw new BadInput(`${dtype} needs integers, got ${scalar} at ${path}`)
          ;(data as BigInt64Array)[i++] = BigInt(scalar)
        } else {
          ;(data as Float64Array)[i++] = Number(scalar)
        }
        return
      }
      throw new BadInput(`Expected a number at ${path || 'the top'}, found ${scalar === null ? 'null' : typeof scalar}`)
    }
    if (!Array.isArray(node) || node.length !== dims[depth]) {
      const found = Array.isArray(node) ? `${node.length} items` : typeof node
      throw new BadInput(
        `Expected ${dims[depth]} items at ${path || 'the top'} (dims [${dims.join(', ')}]), found ${found}; rows must be of equal length`,
      )
    }
    node.forEach((child: Nested, k: number) => walk(child, depth + 1, `${path}[${k}]`))
  }
  walk(value, 0, '')
  return { dtype, dims: [...dims], data }
}

/** Turns a tensor back into nested arrays (int64 as bigint, bool as boolean). */
export function toNested(t: Tensor): Nested {
  const { dims, data, dtype } = t
  const scalar = (k: number): Nested => (dtype === 'bool' ? data[k] !== 0 : (data[k] as number | bigint))
  if (dims.length === 0) return scalar(0)
  let offset = 0
  const build = (depth: number): Nested[] => {
    const out: Nested[] = []
    for (let k = 0; k < dims[depth]!; k++) out.push(depth === dims.length - 1 ? scalar(offset++) : build(depth + 1))
    return out
  }
  return build(0)
}
