import { BadInput } from '../errors.js'
import { allocate, elementCount, tensor, type DType, type Tensor, type TypedArray } from './tensor.js'

/**
 * Row-major layout around one axis: the tensor is `outer` blocks laid end to end, each holding `size`
 * items of `inner` contiguous elements. Items [a, b) of one block are therefore one contiguous run.
 */
interface AxisLayout {
  readonly outer: number
  readonly size: number
  readonly inner: number
}

function layoutAround(dims: readonly number[], axis: number): AxisLayout {
  return {
    outer: elementCount(dims.slice(0, axis)),
    size: dims[axis] ?? 0,
    inner: elementCount(dims.slice(axis + 1)),
  }
}

function withSize(dims: readonly number[], axis: number, size: number): number[] {
  const resized = [...dims]
  resized[axis] = size
  return resized
}

/** Copies `length` elements from `source[from]` on into `target[to]` on. */
function copyRun(target: TypedArray, to: number, source: TypedArray, from: number, length: number): void {
  if (length === 0) return
  // Both arrays hold the same dtype, but TypeScript cannot call `set` on the union of typed array
  // types (number and bigint elements), so name one member; at run time each array's own `set` runs.
  ;(target as Uint8Array).set((source as Uint8Array).subarray(from, from + length), to)
}

/** Items [start, end) along `axis`, copied into a fresh buffer: one block copy per outer index. */
export function sliceAxis<D extends DType>(t: Tensor<D>, axis: number, start: number, end: number): Tensor<D> {
  const { outer, size, inner } = layoutAround(t.dims, axis)
  const run = (end - start) * inner
  const data = allocate(t.dtype, outer * run)
  for (let block = 0; block < outer; block++) {
    copyRun(data, block * run, t.data, (block * size + start) * inner, run)
  }
  return { dtype: t.dtype, dims: withSize(t.dims, axis, end - start), data }
}

/**
 * Concatenates tensors that agree on dtype and on every dim but `axis`, into a fresh buffer: each
 * part contributes one contiguous run to every outer block, placed after the runs of the parts before it.
 */
export function concatAxis<D extends DType>(parts: readonly Tensor<D>[], axis: number): Tensor<D> {
  const first = parts[0]
  if (!first) throw new Error('concatAxis needs at least one tensor')
  const sizes = parts.map((part) => part.dims[axis] ?? 0)
  const total = sizes.reduce((sum, size) => sum + size, 0)
  const { outer, inner } = layoutAround(first.dims, axis)
  const blockLength = total * inner
  const data = allocate(first.dtype, outer * blockLength)
  let itemsBefore = 0
  parts.forEach((part, k) => {
    const run = sizes[k]! * inner
    for (let block = 0; block < outer; block++) {
      copyRun(data, block * blockLength + itemsBefore * inner, part.data, block * run, run)
    }
    itemsBefore += sizes[k]!
  })
  return { dtype: first.dtype, dims: withSize(first.dims, axis, total), data }
}

/** Checks dtype, data and dims (tensor() does), then that `axis` is one of its axes; `label` names it in errors. */
export function checkedAlongAxis(value: Tensor, axis: number, label: string): Tensor {
  let checked: Tensor
  try {
    checked = tensor(value.dtype, value.dims, value.data)
  } catch (error) {
    if (error instanceof BadInput) throw new BadInput(`${label}: ${error.message}`, { cause: error })
    throw error
  }
  const rank = checked.dims.length
  if (rank === 0)
    throw new BadInput(
      `${label} is a scalar (rank 0) and has no axis to batch along; expected a tensor of rank 1 or more`,
    )
  if (axis >= rank) {
    throw new BadInput(
      `batchDim ${axis} is out of range for ${label} of rank ${rank} (dims [${checked.dims.join(', ')}]); expected an axis from 0 to ${rank - 1}`,
    )
  }
  return checked
}
