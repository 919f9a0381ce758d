// The one table between dtypes and the typed arrays that hold them, both ways.
import type { DType, TypedArray } from './tensor.js'

/** The typed array that holds each dtype's elements (`bool` as one byte each, `float16` as raw bits). */
export const ARRAY_OF_DTYPE = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
} as const

// A Uint16Array read on its own is uint16, not float16; a Uint8Array uint8, not bool.
const DTYPE_OF_ARRAY = new Map<unknown, DType>(
  (Object.entries(ARRAY_OF_DTYPE) as [DType, unknown][])
    .filter(([dtype]) => dtype !== 'float16' && dtype !== 'bool')
    .map(([dtype, type]) => [type, dtype]),
)

/** The dtype a typed array holds when nothing else says; subclasses (Node's Buffer) count as their base. */
export function dtypeOfArray(data: ArrayBufferView): DType | undefined {
  return (
    DTYPE_OF_ARRAY.get(data.constructor) ??
    [...DTYPE_OF_ARRAY].find(([type]) => data instanceof (type as typeof Uint8Array))?.[1]
  )
}

export function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView)
}

/** Whether `data` is the typed array that `dtype` is stored in (bool in a Uint8Array, float16 in a Uint16Array). */
export function fitsDType(data: TypedArray, dtype: DType): boolean {
  const natural = dtypeOfArray(data)
  return natural === dtype || (dtype === 'bool' && natural === 'uint8') || (dtype === 'float16' && natural === 'uint16')
}
