// Where a call's values hold their items: one batch axis for every tensor, or an axis per tensor name.

/**
 * The batch axis of a method's input or output: one axis that every tensor batches along, or one axis per
 * tensor name (`{ input: 0, state: 1 }`). A named form leaves the other tensors out of the batch: an input
 * left out is shared by every call of a batch (calls merge only when theirs are equal), an output left out
 * goes whole to every caller.
 */
export type BatchAxes = number | Readonly<Record<string, number>>

/** A method's batch axes: one form for its input and output, or `[input, output]`. */
export type BatchDim = BatchAxes | readonly [BatchAxes, BatchAxes]

/** The input and output axes a `BatchDim` names; undefined means axis 0 for both. */
export function splitBatchDim(batchDim: BatchDim | undefined): readonly [BatchAxes, BatchAxes] {
  if (batchDim === undefined) return [0, 0]
  if (Array.isArray(batchDim)) return [batchDim[0] as BatchAxes, batchDim[1] as BatchAxes]
  return [batchDim as BatchAxes, batchDim as BatchAxes]
}

const isAxis = (axis: unknown): axis is number => Number.isInteger(axis) && (axis as number) >= 0

/** Why `axes` is not a batch axis form, or undefined when it is one. */
export function axesProblem(axes: unknown): string | undefined {
  if (isAxis(axes)) return undefined
  if (typeof axes !== 'object' || axes === null || Array.isArray(axes))
    return `${JSON.stringify(axes)} is not an axis or a map of names to axes`
  const entries = Object.entries(axes)
  if (entries.length === 0) return 'a map of names to axes must name at least one tensor'
  const bad = entries.find(([, axis]) => !isAxis(axis))
  return bad ? `the axis of "${bad[0]}" must be a non-negative integer, got ${JSON.stringify(bad[1])}` : undefined
}

/** Why `batchDim` is not valid, or undefined. */
export function batchDimProblem(batchDim: unknown): string | undefined {
  if (Array.isArray(batchDim)) {
    if (batchDim.length !== 2) return `an [input, output] pair has two entries, got ${batchDim.length}`
    return axesProblem(batchDim[0]) ?? axesProblem(batchDim[1])
  }
  return axesProblem(batchDim)
}

/** The axis a tensor called `name` batches along, or undefined when it is not batched (shared). */
export const axisOf = (axes: BatchAxes, name: string): number | undefined =>
  typeof axes === 'number' ? axes : axes[name]

/** `0`, or `{ input: 0, state: 1 }`, for messages. */
export const describeAxes = (axes: BatchAxes): string =>
  typeof axes === 'number'
    ? String(axes)
    : `{ ${Object.entries(axes)
        .map(([name, axis]) => `${name}: ${axis}`)
        .join(', ')} }`
