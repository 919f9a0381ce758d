import { describeAxes, type BatchAxes } from '../batch-axes.js'
import { BadInput } from '../errors.js'
import { describeSpec, formatDims, type IoSpec } from './feeds.js'

/**
 * Checks batch axes given by name against the model: every name is one of its inputs (or outputs), and its
 * axis is a symbolic (free) dimension of the declared shape, since a fixed one cannot hold a batch.
 */
export function checkNamedAxes(
  axes: BatchAxes,
  specs: readonly IoSpec[],
  inputs: readonly IoSpec[],
  outputs: readonly IoSpec[],
  kind: 'input' | 'output',
  model: string,
): void {
  if (typeof axes === 'number') return
  const io = `its inputs are ${inputs.map(describeSpec).join(', ')}; its outputs are ${outputs.map(describeSpec).join(', ')}`
  for (const [name, axis] of Object.entries(axes)) {
    const spec = specs.find((s) => s.name === name)
    if (!spec)
      throw new BadInput(
        `onnx ${model}: batchDim ${describeAxes(axes)} names ${kind} "${name}", which the model does not have; ${io}`,
      )
    if (!spec.dims) continue // a shape the model does not declare: nothing to check it against
    const dim = spec.dims[axis]
    if (axis >= spec.dims.length) {
      throw new BadInput(
        `onnx ${model}: batchDim puts ${kind} "${name}" on axis ${axis}, but its declared dims ${formatDims(spec.dims)} have rank ${spec.dims.length}`,
      )
    }
    if (typeof dim === 'number') {
      throw new BadInput(
        `onnx ${model}: batchDim puts ${kind} "${name}" on axis ${axis}, which is fixed at ${dim} (dims ${formatDims(spec.dims)}); a batch axis must be a symbolic dimension`,
      )
    }
  }
}
