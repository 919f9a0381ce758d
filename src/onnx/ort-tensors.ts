// The only place that turns ONNX Runtime's types into tiffin's and back. Type-only imports of
// onnxruntime-common: the runtime itself always comes from the loaded `ort` module passed in.
import type * as ort from 'onnxruntime-common'
import { Unsupported } from '../errors.js'
import { allocate, isDType, type DType, type Tensor } from '../tensor/tensor.js'
import type { DeclaredDim, IoSpec } from './feeds.js'

type OrtModule = typeof ort

/** The model's declared inputs or outputs; refuses what a tiffin Tensor cannot carry (strings, maps, int4). */
export function ioSpecs(
  metadata: readonly ort.InferenceSession.ValueMetadata[],
  kind: 'input' | 'output',
  model: string,
): IoSpec[] {
  return metadata.map((value) => {
    if (!value.isTensor)
      throw new Unsupported(`${model}: ${kind} "${value.name}" is not a tensor (sequences and maps are not supported)`)
    if (!isDType(value.type))
      throw new Unsupported(
        `${model}: ${kind} "${value.name}" has element type ${value.type}, which tiffin does not support`,
      )
    // ORT reports an unknown shape as []; a scalar looks the same, so both are left unchecked.
    const dims = value.shape.length === 0 ? undefined : value.shape.map(declaredDim)
    return { name: value.name, dtype: value.type, dims }
  })
}

function declaredDim(dim: number | string): DeclaredDim {
  if (typeof dim === 'string') return dim === '' ? null : dim
  // onnxruntime-web reports an unnamed free dimension as 2^32 - 1 (its -1 read unsigned), onnxruntime-node as -1.
  return dim >= 0 && dim < 2 ** 31 ? dim : null
}

/** Wraps a tiffin tensor for `session.run` (ORT reads the typed array; nothing is copied here). */
export function toOrtTensor(runtime: OrtModule, t: Tensor): ort.Tensor {
  const Ctor = runtime.Tensor as new (type: DType, data: Tensor['data'], dims: readonly number[]) => ort.Tensor
  return new Ctor(t.dtype, t.data, t.dims)
}

/**
 * Copies an output out of ORT-owned memory into a fresh, exactly sized typed array, so it can be posted
 * or transferred to another thread and outlives the session's buffers.
 */
export function fromOrtTensor(value: ort.OnnxValue, name: string, model: string): Tensor {
  const type = value.type
  if (!isDType(type))
    throw new Unsupported(`${model}: output "${name}" has element type ${type}, which tiffin does not support`)
  let source = value.data as ArrayLike<number> & ArrayBufferView
  // Where Float16Array exists ORT may hand float16 out as one; tiffin carries the raw bits.
  if (type === 'float16' && !(source instanceof Uint16Array))
    source = new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2)
  const data = allocate(type, source.length)
  ;(data as unknown as { set(from: ArrayLike<number>): void }).set(source)
  return { dtype: type, dims: [...value.dims], data }
}
