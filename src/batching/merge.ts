/**
 * Merging many calls' inputs into one batch along a batch axis, and splitting the batch's output back.
 * Every result is built on fresh buffers, because the batcher transfers merged buffers to a worker and
 * hands split pieces to different callers: neither may share memory with a caller or with each other.
 */
import { BadInput } from '../errors.js'
import { checkedAlongAxis, concatAxis, sliceAxis } from '../tensor/axis.js'
import { dtypeOfArray } from '../tensor/dtypes.js'
import type { Tensor, TypedArray } from '../tensor/tensor.js'

type Kind = 'tensor' | 'record' | 'array' | 'typed array'

/**
 * A batchable value taken apart: its tensors by name ('' for a lone tensor or a bare typed array, seen
 * as a 1-D tensor), or its rows for a plain array. Every tensor has already been checked along the axis.
 */
interface Parts {
  readonly kind: Kind
  readonly tensors: ReadonlyMap<string, Tensor>
  readonly rows: readonly unknown[]
}

const EXPECTED_KINDS = 'a tensor {dtype, dims, data}, a record of named tensors, an array of rows or a typed array'

/** How many items `value` holds along `axis`; throws BadInput when it is not batchable along that axis. */
export function countItems(value: unknown, axis: number): number {
  return itemCount(partsOf(value, axis), axis)
}

/**
 * A key that is equal for two inputs exactly when they can be merged into one batch: same kind, same
 * tensor names, dtypes, rank and every dim except the batch axis. Arrays: all arrays share one key.
 */
export function compatibilityKey(value: unknown, axis: number): string {
  return keyOf(partsOf(value, axis), axis)
}

/** `countItems` and `compatibilityKey` at once, taking the value apart only once. */
export function measureItems(value: unknown, axis: number): { items: number; key: string } {
  const parts = partsOf(value, axis)
  return { items: itemCount(parts, axis), key: keyOf(parts, axis) }
}

/** Items [start, end) of `value` along `axis`, as a new value of the same kind (copies data; never a view sharing a buffer). */
export function sliceItems<T>(value: T, axis: number, start: number, end: number): T {
  const parts = partsOf(value, axis)
  const count = itemCount(parts, axis)
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > count) {
    throw new RangeError(`Cannot take items [${start}, ${end}) of a value holding ${count} along batchDim ${axis}`)
  }
  return sliceParts(parts, axis, start, end) as T
}

/** Concatenates values of one compatibility key along `axis` into one new value (fresh buffers, safe to transfer). */
export function mergeItems<T>(values: readonly T[], axis: number): T {
  const all = values.map((value) => partsOf(value, axis))
  const first = all[0]
  if (!first) throw new Error('mergeItems needs at least one value')
  const key = keyOf(first, axis)
  for (const parts of all) {
    const other = keyOf(parts, axis)
    if (other !== key) throw new Error(`mergeItems needs values of one compatibility key, got ${key} and ${other}`)
  }
  // Equal keys mean equal names, so each name can be looked up in every value.
  const tensors = new Map(
    [...first.tensors.keys()].map((name) => [
      name,
      concatAxis(
        all.map((p) => p.tensors.get(name)!),
        axis,
      ),
    ]),
  )
  return assemble(
    first.kind,
    tensors,
    all.flatMap((parts) => parts.rows),
  ) as T
}

/** Splits `value` along `axis` into consecutive pieces of the given item counts (which must add up to its count). */
export function splitItems<T>(value: T, axis: number, counts: readonly number[]): T[] {
  if (counts.some((count) => !Number.isInteger(count) || count < 0)) {
    throw new Error(`splitItems needs non-negative integer counts, got [${counts.join(', ')}]`)
  }
  const parts = outputParts(value, axis)
  const returned = itemCount(parts, axis)
  const batch = counts.reduce((sum, count) => sum + count, 0)
  if (returned !== batch)
    throw new Error(`The runnable returned ${returned} items for a batch of ${batch} (along batchDim ${axis})`)
  let start = 0
  return counts.map((count) => {
    start += count
    return sliceParts(parts, axis, start - count, start) as T
  })
}

/** A value the runnable returned that cannot be split is the runnable's fault, not the caller's: no 400. */
function outputParts(value: unknown, axis: number): Parts {
  try {
    return partsOf(value, axis)
  } catch (error) {
    if (!(error instanceof BadInput)) throw error
    throw new Error(`The runnable's output cannot be split along batchDim ${axis}: ${error.message}`, { cause: error })
  }
}

function sliceParts(parts: Parts, axis: number, start: number, end: number): unknown {
  const tensors = new Map([...parts.tensors].map(([name, t]) => [name, sliceAxis(t, axis, start, end)]))
  // Rows are JSON-style values that are cloned, never transferred, on their way to a worker: a new array suffices.
  return assemble(parts.kind, tensors, parts.rows.slice(start, end))
}

function assemble(kind: Kind, tensors: ReadonlyMap<string, Tensor>, rows: readonly unknown[]): unknown {
  if (kind === 'array') return rows
  if (kind === 'record') return Object.fromEntries(tensors)
  const lone = tensors.get('')!
  return kind === 'tensor' ? lone : lone.data
}

function itemCount(parts: Parts, axis: number): number {
  if (parts.kind === 'array') return parts.rows.length
  const first = parts.tensors.values().next().value!
  return first.dims[axis]!
}

function keyOf(parts: Parts, axis: number): string {
  switch (parts.kind) {
    case 'array':
      return 'array'
    case 'record': {
      const names = [...parts.tensors.keys()].sort()
      return `record {${names.map((name) => `${JSON.stringify(name)}: ${shapeKey(parts.tensors.get(name)!, axis)}`).join(', ')}}`
    }
    default:
      return `${parts.kind} ${shapeKey(parts.tensors.get('')!, axis)}`
  }
}

function shapeKey(t: Tensor, axis: number): string {
  let dims = ''
  for (let i = 0; i < t.dims.length; i++) dims += `${i === 0 ? '' : ', '}${i === axis ? '*' : t.dims[i]}`
  return `${t.dtype} [${dims}]`
}

function partsOf(value: unknown, axis: number): Parts {
  if (!Number.isInteger(axis) || axis < 0) throw new BadInput(`batchDim must be a non-negative integer, got ${axis}`)
  if (Array.isArray(value)) {
    if (axis !== 0) {
      throw new BadInput(
        `A plain array batches along axis 0 (one item per row), but batchDim is ${axis}; send a tensor {dtype, dims, data} to batch along another axis`,
      )
    }
    return { kind: 'array', tensors: new Map(), rows: value }
  }
  if (ArrayBuffer.isView(value)) return typedArrayParts(value, axis)
  if (isTensorLike(value))
    return { kind: 'tensor', tensors: new Map([['', checkedAlongAxis(value, axis, 'the tensor')]]), rows: [] }
  if (typeof value === 'object' && value !== null) return recordParts(value, axis)
  throw new BadInput(`Cannot batch ${value === null ? 'null' : `a ${typeof value}`}; expected ${EXPECTED_KINDS}`)
}

function typedArrayParts(view: ArrayBufferView, axis: number): Parts {
  const dtype = dtypeOfArray(view)
  if (!dtype) throw new BadInput(`Cannot batch a ${view.constructor.name}; expected ${EXPECTED_KINDS}`)
  if (axis !== 0) {
    throw new BadInput(
      `A bare ${view.constructor.name} is 1-D and batches along axis 0, but batchDim is ${axis}; send a tensor {dtype, dims, data} to batch along another axis`,
    )
  }
  const data = view as TypedArray
  return { kind: 'typed array', tensors: new Map([['', { dtype, dims: [data.length], data }]]), rows: [] }
}

function recordParts(record: object, axis: number): Parts {
  const entries = Object.entries(record)
  if (entries.length === 0) throw new BadInput(`Cannot batch an empty record; expected ${EXPECTED_KINDS}`)
  const tensors = new Map<string, Tensor>()
  for (const [name, value] of entries) {
    if (!isTensorLike(value))
      throw new BadInput(`"${name}" is not a tensor {dtype, dims, data}; a record to batch must hold only tensors`)
    tensors.set(name, checkedAlongAxis(value, axis, `"${name}"`))
  }
  const items = tensors.values().next().value!.dims[axis]
  if ([...tensors.values()].some((t) => t.dims[axis] !== items)) {
    const sizes = [...tensors].map(([name, t]) => `"${name}" has ${t.dims[axis]}`)
    throw new BadInput(
      `All tensors of a record must hold the same number of items along batchDim ${axis}, but ${sizes.join(', ')}`,
    )
  }
  return { kind: 'record', tensors, rows: [] }
}

function isTensorLike(value: unknown): value is Tensor {
  // A record of tensors holds objects under its keys; a tensor holds an array under `dims`.
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { dims?: unknown }).dims) && 'data' in value
  )
}
