import type { BatchAxes } from '../batch-axes.js'
import { concatAxis, sliceAxis } from '../tensor/axis.js'
import { allocate, elementCount, type Tensor } from '../tensor/tensor.js'
import type { IoSpec } from './feeds.js'

/**
 * WebGPU compiles its shaders for every new input shape (hundreds of ms each), so a WebGPU session is
 * warmed up at a few batch sizes and every batch is padded up to the next of them.
 */

/** The smallest warmed size that holds `batch` items, or `batch` itself when it is larger than all of them. */
export function paddedBatchSize(batch: number, warmed: readonly number[]): number {
  let best = Infinity
  for (const size of warmed) if (size >= batch && size < best) best = size
  return best === Infinity ? batch : best
}

/** `t` with zeros appended along `axis` up to `size` entries. */
export function padAlong<T extends Tensor>(t: T, axis: number, size: number): T {
  const length = t.dims[axis]
  if (length === undefined) throw new RangeError(`Axis ${axis} is out of range for dims [${t.dims.join(', ')}]`)
  if (size === length) return t
  if (size < length) throw new RangeError(`Cannot pad axis ${axis} of [${t.dims.join(', ')}] down to ${size}`)
  const zerosDims = t.dims.map((d, i) => (i === axis ? size - length : d))
  const zeros = { dtype: t.dtype, dims: zerosDims, data: allocate(t.dtype, elementCount(zerosDims)) } as Tensor
  return concatAxis([t, zeros], axis) as T
}

/** The first `size` entries of `t` along `axis`, in a new buffer of its own. */
export function sliceAlong<T extends Tensor>(t: T, axis: number, size: number): T {
  const length = t.dims[axis]
  if (length === undefined) throw new RangeError(`Axis ${axis} is out of range for dims [${t.dims.join(', ')}]`)
  if (size > length) throw new RangeError(`Cannot slice ${size} entries from axis ${axis} of [${t.dims.join(', ')}]`)
  return sliceAxis(t, axis, 0, size) as T
}

/** How one call was padded: its real batch size and the size it ran at. */
export interface BatchPadding {
  readonly batch: number
  readonly paddedTo: number
}

/**
 * Pads each input named in `batched` along its axis to the next warmed size. Leaves everything as it is
 * when there is nothing to pad or when the batched inputs disagree on their batch size (the model will
 * then say what is wrong).
 */
export function padBatch(
  feeds: Record<string, Tensor>,
  batched: ReadonlyMap<string, number>,
  warmed: readonly number[],
): { feeds: Record<string, Tensor>; padding: BatchPadding | undefined } {
  const sizes = new Set([...batched].map(([name, axis]) => feeds[name]?.dims[axis]))
  const batch = sizes.size === 1 ? [...sizes][0] : undefined
  if (batch === undefined) return { feeds, padding: undefined }
  const paddedTo = paddedBatchSize(batch, warmed)
  if (paddedTo === batch) return { feeds, padding: undefined }
  const padded = { ...feeds }
  for (const [name, axis] of batched) padded[name] = padAlong(feeds[name]!, axis, paddedTo)
  return { feeds: padded, padding: { batch, paddedTo } }
}

/** Slices each output named in `batched` back to the real batch size along its axis, undoing `padBatch`. */
export function unpadOutputs(
  outputs: Record<string, Tensor>,
  batched: ReadonlyMap<string, number>,
  padding: BatchPadding | undefined,
): Record<string, Tensor> {
  if (!padding) return outputs
  const result = { ...outputs }
  for (const [name, axis] of batched) {
    const t = outputs[name]
    if (t && t.dims[axis] === padding.paddedTo) result[name] = sliceAlong(t, axis, padding.batch)
  }
  return result
}

/**
 * The inputs or outputs that carry the batch, each with its axis: for one axis, those whose declared dim
 * there is not fixed; for axes by name, the names given.
 */
export function batchedNames(specs: readonly IoSpec[], axes: BatchAxes): Map<string, number> {
  if (typeof axes !== 'number') return new Map(Object.entries(axes))
  return new Map(
    specs
      .filter((s) => s.dims !== undefined && s.dims.length > axes && typeof s.dims[axes] !== 'number')
      .map((s) => [s.name, axes]),
  )
}

/**
 * Zero inputs of batch size `batch` along each batched input's axis, for warming a session up; other free
 * dims are 1. `undefined` when an input's shape is unknown, since no shape could be guessed that a call would use.
 */
export function warmupFeeds(
  inputs: readonly IoSpec[],
  batched: ReadonlyMap<string, number>,
  batch: number,
): Record<string, Tensor> | undefined {
  const feeds: Record<string, Tensor> = {}
  for (const spec of inputs) {
    if (!spec.dims) return undefined
    const axis = batched.get(spec.name)
    const dims = spec.dims.map((d, i) => (typeof d === 'number' ? d : i === axis ? batch : 1))
    feeds[spec.name] = { dtype: spec.dtype, dims, data: allocate(spec.dtype, elementCount(dims)) }
  }
  return feeds
}
