/**
 * Merging many calls' inputs into one batch along their batch axes, and splitting the batch's output back.
 * Every result is built on fresh buffers, because the batcher transfers merged buffers to a worker and
 * hands split pieces to different callers: neither may share memory with a caller or with each other.
 */
import { axisOf, describeAxes, type BatchAxes } from '../batch-axes.js'
import { BadInput } from '../errors.js'
import { checkedAlongAxis, concatAxis, sliceAxis } from '../tensor/axis.js'
import { dtypeOfArray } from '../tensor/dtypes.js'
import { tensor, type Tensor, type TypedArray } from '../tensor/tensor.js'

type Kind = 'tensor' | 'record' | 'array' | 'typed array'

interface Batched {
  readonly tensor: Tensor
  readonly axis: number
}

/**
 * A batchable value taken apart: its batched tensors by name ('' for a lone tensor or a bare typed array,
 * seen as a 1-D tensor) with the axis each batches along, the tensors shared by a batch (a record's tensors
 * that the axes leave out), or its rows for a plain array. Every tensor has already been checked.
 */
export interface Parts {
  readonly kind: Kind
  readonly batched: ReadonlyMap<string, Batched>
  readonly shared: ReadonlyMap<string, Tensor>
  readonly rows: readonly unknown[]
}

const EXPECTED_KINDS = 'a tensor {dtype, dims, data}, a record of named tensors, an array of rows or a typed array'
const NONE: ReadonlyMap<string, Tensor> = new Map()

/** How many items `value` holds along its batch axes; throws BadInput when it is not batchable along them. */
export function countItems(value: unknown, axes: BatchAxes): number {
  return itemCount(partsOf(value, axes))
}

/**
 * A key that is equal for two inputs exactly when they can be merged into one batch: same kind, same
 * tensor names, dtypes, rank and every dim except the batch axis, and equal values for shared tensors.
 */
export function compatibilityKey(value: unknown, axes: BatchAxes): string {
  return keyOf(partsOf(value, axes))
}

/** A value taken apart and checked once, when its call is queued: what its batches are merged from. */
export interface Measured {
  readonly items: number
  readonly key: string
  readonly parts: Parts
}

/** `countItems` and `compatibilityKey` at once, taking the value apart only once. */
export function measureItems(value: unknown, axes: BatchAxes): Measured {
  const parts = partsOf(value, axes)
  return { items: itemCount(parts), key: keyOf(parts), parts }
}

/** Items [start, end) of a measured value, measured in turn, and as a value of its kind (fresh buffers). */
export function sliceMeasured(measured: Measured, start: number, end: number): { value: unknown; measured: Measured } {
  const parts = sliceParts(measured.parts, start, end)
  return { value: valueOf(parts), measured: { items: end - start, key: measured.key, parts } }
}

/**
 * Merges measured values of one key into one new value (fresh buffers, safe to transfer), as mergeItems
 * does, without taking them apart and checking them again.
 */
export function mergeMeasured(all: readonly Measured[]): unknown {
  return joinParts(all.map((m) => m.parts))
}

/** Items [start, end) of `value` along its axes, as a new value of the same kind (fresh buffers; shared tensors copied). */
export function sliceItems<T>(value: T, axes: BatchAxes, start: number, end: number): T {
  const parts = partsOf(value, axes)
  const count = itemCount(parts)
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > count) {
    throw new RangeError(
      `Cannot take items [${start}, ${end}) of a value holding ${count} along batchDim ${describeAxes(axes)}`,
    )
  }
  return valueOf(sliceParts(parts, start, end)) as T
}

/**
 * Concatenates inputs of one compatibility key along their axes into one new value (fresh buffers, safe to
 * transfer); a shared tensor, equal in every input, is passed once.
 */
export function mergeItems<T>(values: readonly T[], axes: BatchAxes): T {
  const all = values.map((value) => partsOf(value, axes))
  const key = keyOf(firstOf(all))
  for (const parts of all) {
    const other = keyOf(parts)
    if (other !== key) throw new Error(`mergeItems needs values of one compatibility key, got ${key} and ${other}`)
  }
  return joinParts(all) as T
}

/**
 * Puts the pieces of one call's output back together (a call larger than a batch ran in several); a shared
 * output, which each batch gave whole, is taken from the first piece.
 */
export function joinItems<T>(pieces: readonly T[], axes: BatchAxes): T {
  const all = pieces.map((piece) => outputParts(piece, axes))
  const key = batchedKey(firstOf(all))
  for (const parts of all) {
    const other = batchedKey(parts)
    if (other !== key)
      throw new Error(
        `The pieces of one call's output cannot be merged: their compatibility keys differ (${key} and ${other})`,
      )
  }
  return joinParts(all) as T
}

/** Splits a batch's output into consecutive pieces of the given item counts; each piece gets its own copy of shared outputs. */
export function splitItems<T>(value: T, axes: BatchAxes, counts: readonly number[]): T[] {
  if (counts.some((count) => !Number.isInteger(count) || count < 0)) {
    throw new Error(`splitItems needs non-negative integer counts, got [${counts.join(', ')}]`)
  }
  const parts = outputParts(value, axes)
  const returned = itemCount(parts)
  const batch = counts.reduce((sum, count) => sum + count, 0)
  if (returned !== batch) {
    throw new Error(
      `The runnable returned ${returned} items for a batch of ${batch} (along batchDim ${describeAxes(axes)})`,
    )
  }
  let start = 0
  return counts.map((count) => {
    start += count
    return valueOf(sliceParts(parts, start - count, start)) as T
  })
}

function firstOf(all: readonly Parts[]): Parts {
  const first = all[0]
  if (!first) throw new Error('merging needs at least one value')
  return first
}

function joinParts(all: readonly Parts[]): unknown {
  const first = firstOf(all)
  // Equal keys (or one output's pieces) mean equal names, so each name can be looked up in every value.
  const batched = new Map<string, Batched>()
  for (const [name, { axis }] of first.batched) {
    batched.set(name, {
      tensor: concatAxis(
        all.map((p) => p.batched.get(name)!.tensor),
        axis,
      ),
      axis,
    })
  }
  return valueOf({ kind: first.kind, batched, shared: copies(first.shared), rows: all.flatMap((parts) => parts.rows) })
}

/** A value the runnable returned that cannot be split is the runnable's fault, not the caller's: no 400. */
function outputParts(value: unknown, axes: BatchAxes): Parts {
  try {
    return partsOf(value, axes)
  } catch (error) {
    if (!(error instanceof BadInput)) throw error
    throw new Error(`The runnable's output cannot be split along batchDim ${describeAxes(axes)}: ${error.message}`, {
      cause: error,
    })
  }
}

function sliceParts(parts: Parts, start: number, end: number): Parts {
  const batched = new Map<string, Batched>()
  for (const [name, { tensor: t, axis }] of parts.batched)
    batched.set(name, { tensor: sliceAxis(t, axis, start, end), axis })
  // Rows are JSON-style values that are cloned, never transferred, on their way to a worker: a new array suffices.
  return { kind: parts.kind, batched, shared: copies(parts.shared), rows: parts.rows.slice(start, end) }
}

/** Fresh copies of shared tensors: every batch and every caller owns its own buffers. */
const copies = (shared: ReadonlyMap<string, Tensor>): Map<string, Tensor> =>
  new Map([...shared].map(([name, t]) => [name, { dtype: t.dtype, dims: [...t.dims], data: t.data.slice() } as Tensor]))

/** The value that parts make up, of their kind. */
function valueOf({ kind, batched, shared, rows }: Parts): unknown {
  if (kind === 'array') return rows
  if (kind === 'record') {
    const record: Record<string, Tensor> = {}
    for (const [name, { tensor: t }] of batched) record[name] = t
    for (const [name, t] of shared) record[name] = t
    return record
  }
  const lone = batched.get('')!.tensor
  return kind === 'tensor' ? lone : lone.data
}

function itemCount(parts: Parts): number {
  if (parts.kind === 'array') return parts.rows.length
  const { tensor: t, axis } = parts.batched.values().next().value!
  return t.dims[axis]!
}

/** The key of a value's batched tensors alone: what pieces of one output must share to be joined. */
const batchedKey = (parts: Parts): string => keyOf({ ...parts, shared: NONE })

function keyOf(parts: Parts): string {
  switch (parts.kind) {
    case 'array':
      return 'array'
    case 'record': {
      const batched = [...parts.batched.keys()].sort().map((name) => {
        const { tensor: t, axis } = parts.batched.get(name)!
        return `${JSON.stringify(name)}: ${shapeKey(t, axis)}`
      })
      const shared = [...parts.shared.keys()]
        .sort()
        .map((name) => `${JSON.stringify(name)} = ${valueKey(parts.shared.get(name)!)}`)
      return `record {${[...batched, ...shared].join(', ')}}`
    }
    default: {
      const { tensor: t, axis } = parts.batched.get('')!
      return `${parts.kind} ${shapeKey(t, axis)}`
    }
  }
}

function shapeKey(t: Tensor, axis: number): string {
  let dims = ''
  for (let i = 0; i < t.dims.length; i++) dims += `${i === 0 ? '' : ', '}${i === axis ? '*' : t.dims[i]}`
  return `${t.dtype} [${dims}]`
}

/**
 * A shared tensor's dtype, dims and value, as a string: its bytes themselves when small (a sample rate, a
 * flag), else their length and two 53-bit hashes, so that calls with different values never merge.
 */
function valueKey(t: Tensor): string {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
  const shape = `${t.dtype} [${t.dims.join(', ')}]`
  if (bytes.length <= 256) return `${shape} ${String.fromCharCode(...bytes)}`
  return `${shape} ${bytes.length}:${hash53(bytes, 0x9e3779b1).toString(36)}:${hash53(bytes, 0x85ebca6b).toString(36)}`
}

/** A fast 53-bit hash of bytes (cyrb53); seeded twice, as above, a collision is not a practical concern. */
function hash53(bytes: Uint8Array, seed: number): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    h1 = Math.imul(h1 ^ b, 2654435761)
    h2 = Math.imul(h2 ^ b, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

function partsOf(value: unknown, axes: BatchAxes): Parts {
  if (typeof axes === 'number' && !(Number.isInteger(axes) && axes >= 0)) {
    throw new BadInput(`batchDim must be a non-negative integer, got ${axes}`)
  }
  if (Array.isArray(value)) {
    if (axes !== 0) {
      throw new BadInput(
        `A plain array batches along axis 0 (one item per row), but batchDim is ${describeAxes(axes)}; send a tensor {dtype, dims, data} to batch along another axis`,
      )
    }
    return { kind: 'array', batched: new Map(), shared: NONE, rows: value }
  }
  if (ArrayBuffer.isView(value)) return typedArrayParts(value, axes)
  if (isTensorLike(value)) {
    if (typeof axes !== 'number') {
      throw new BadInput(
        `A lone tensor has no name, but batchDim names ${describeAxes(axes)}; send a record of named tensors`,
      )
    }
    return {
      kind: 'tensor',
      batched: new Map([['', { tensor: checkedAlongAxis(value, axes, 'the tensor'), axis: axes }]]),
      shared: NONE,
      rows: [],
    }
  }
  if (typeof value === 'object' && value !== null) return recordParts(value, axes)
  throw new BadInput(`Cannot batch ${value === null ? 'null' : `a ${typeof value}`}; expected ${EXPECTED_KINDS}`)
}

function typedArrayParts(view: ArrayBufferView, axes: BatchAxes): Parts {
  const dtype = dtypeOfArray(view)
  if (!dtype) throw new BadInput(`Cannot batch a ${view.constructor.name}; expected ${EXPECTED_KINDS}`)
  if (axes !== 0) {
    throw new BadInput(
      `A bare ${view.constructor.name} is 1-D and batches along axis 0, but batchDim is ${describeAxes(axes)}; send a tensor {dtype, dims, data} to batch along another axis`,
    )
  }
  const data = view as TypedArray
  return {
    kind: 'typed array',
    batched: new Map([['', { tensor: { dtype, dims: [data.length], data }, axis: 0 }]]),
    shared: NONE,
    rows: [],
  }
}

function recordParts(record: object, axes: BatchAxes): Parts {
  const entries = Object.entries(record)
  if (entries.length === 0) throw new BadInput(`Cannot batch an empty record; expected ${EXPECTED_KINDS}`)
  for (const [name, value] of entries) {
    if (!isTensorLike(value))
      throw new BadInput(`"${name}" is not a tensor {dtype, dims, data}; a record to batch must hold only tensors`)
  }
  const tensors = new Map(entries as [string, Tensor][])
  // Items are counted along the first batched tensor: the first the axes name, or the record's first.
  const order = typeof axes === 'number' ? [...tensors.keys()] : Object.keys(axes)
  const batched = new Map<string, Batched>()
  for (const name of order) {
    const value = tensors.get(name)
    if (!value)
      throw new BadInput(
        `batchDim ${describeAxes(axes)} names "${name}", which the record lacks; it holds ${[...tensors.keys()].join(', ')}`,
      )
    const axis = axisOf(axes, name)!
    batched.set(name, { tensor: checkedAlongAxis(value, axis, `"${name}"`), axis })
  }
  const shared = new Map<string, Tensor>()
  for (const [name, value] of tensors) if (!batched.has(name)) shared.set(name, checkedTensor(value, `"${name}"`))
  const first = batched.values().next().value!
  const items = first.tensor.dims[first.axis]
  if ([...batched.values()].some(({ tensor: t, axis }) => t.dims[axis] !== items)) {
    const sizes = [...batched].map(([name, { tensor: t, axis }]) => `"${name}" has ${t.dims[axis]}`)
    throw new BadInput(
      `All batched tensors of a record must hold the same number of items along batchDim ${describeAxes(axes)}, but ${sizes.join(', ')}`,
    )
  }
  return { kind: 'record', batched, shared, rows: [] }
}

function checkedTensor(value: Tensor, label: string): Tensor {
  try {
    return tensor(value.dtype, value.dims, value.data)
  } catch (error) {
    if (error instanceof BadInput) throw new BadInput(`${label}: ${error.message}`, { cause: error })
    throw error
  }
}

function isTensorLike(value: unknown): value is Tensor {
  // A record of tensors holds objects under its keys; a tensor holds an array under `dims`.
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { dims?: unknown }).dims) && 'data' in value
  )
}
