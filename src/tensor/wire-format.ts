import { BadInput } from '../errors.js'
import { dtypeOfArray } from './dtypes.js'
import { allocate, isDType, type DType, type Tensor, type TypedArray } from './tensor.js'

/**
 * A call's input or output as bytes, for remote runners over HTTP: a JSON header that holds the value's
 * shape, with every tensor and typed array replaced by a reference into the binary part that follows.
 * Tensor data is never written as JSON. Layout: "TFN1", the header's length (u32 LE), the header, then
 * each buffer at an 8-byte boundary.
 */
export const WIRE_MEDIA_TYPE = 'application/x-tiffin-tensors'
const MAGIC = [0x54, 0x46, 0x4e, 0x31] // "TFN1"

type Ref = { readonly $tensor: number } | { readonly $array: number }
interface BufferEntry {
  readonly dtype: DType
  readonly dims: readonly number[]
  readonly offset: number
  readonly byteLength: number
}

const dtypeOf = (array: TypedArray): DType => {
  const found = dtypeOfArray(array)
  if (!found) throw new BadInput(`A ${array.constructor.name} cannot be sent to a remote runner`)
  return found
}
const isTensor = (v: object): v is Tensor => 'dtype' in v && 'dims' in v && ArrayBuffer.isView((v as Tensor).data)
const align = (n: number): number => Math.ceil(n / 8) * 8

export function encodeValue(value: unknown): Uint8Array<ArrayBuffer> {
  const entries: BufferEntry[] = []
  const datas: TypedArray[] = []
  let offset = 0
  const add = (dtype: DType, dims: readonly number[], data: TypedArray): number => {
    entries.push({ dtype, dims: [...dims], offset, byteLength: data.byteLength })
    datas.push(data)
    offset = align(offset + data.byteLength)
    return entries.length - 1
  }
  const walk = (v: unknown): unknown => {
    if (typeof v === 'bigint') throw new BadInput('A bigint outside a tensor cannot be sent to a remote runner')
    if (typeof v !== 'object' || v === null) return v
    if (ArrayBuffer.isView(v))
      return { $array: add(dtypeOf(v as TypedArray), [(v as TypedArray).length], v as TypedArray) } satisfies Ref
    if (isTensor(v)) return { $tensor: add(v.dtype, v.dims, v.data) } satisfies Ref
    if (Array.isArray(v)) return v.map(walk)
    return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, walk(child)]))
  }
  const header = new TextEncoder().encode(JSON.stringify({ value: walk(value), buffers: entries }))
  const start = align(8 + header.length)
  const out = new Uint8Array(start + offset)
  out.set(MAGIC, 0)
  new DataView(out.buffer).setUint32(4, header.length, true)
  out.set(header, 8)
  datas.forEach((data, i) =>
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), start + entries[i]!.offset),
  )
  return out
}

export function decodeValue(bytes: Uint8Array): unknown {
  const fail = (why: string): never => {
    throw new BadInput(`The body is not a tiffin tensor message (${WIRE_MEDIA_TYPE}): ${why}`)
  }
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) fail('it does not start with "TFN1"')
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true)
  if (8 + headerLength > bytes.length) fail('it ends inside its header')
  let parsed: { value: unknown; buffers: BufferEntry[] }
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)))
  } catch {
    return fail('its header is not JSON')
  }
  const start = align(8 + headerLength)
  const arrays = (parsed.buffers ?? []).map((entry) => {
    if (!isDType(entry.dtype) || !Array.isArray(entry.dims)) fail('a buffer has no valid dtype or dims')
    const from = start + entry.offset
    if (!(Number.isSafeInteger(entry.offset) && entry.offset >= 0 && from + entry.byteLength <= bytes.length))
      fail('a buffer lies outside the body')
    const size = allocate(entry.dtype, 0).BYTES_PER_ELEMENT
    const count = entry.byteLength / size
    if (!Number.isInteger(count) || count !== entry.dims.reduce((n, d) => n * d, 1))
      fail(`a ${entry.dtype} buffer of ${entry.byteLength} bytes does not fit dims [${entry.dims}]`)
    const data = allocate(entry.dtype, count)
    new Uint8Array(data.buffer).set(bytes.subarray(from, from + entry.byteLength))
    return { dtype: entry.dtype, dims: entry.dims, data }
  })
  const walk = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v
    if (Array.isArray(v)) return v.map(walk)
    const ref = v as Partial<{ $tensor: number; $array: number }>
    if (typeof ref.$tensor === 'number') return arrays[ref.$tensor] ?? fail(`tensor ${ref.$tensor} is missing`)
    if (typeof ref.$array === 'number') return arrays[ref.$array]?.data ?? fail(`array ${ref.$array} is missing`)
    return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, walk(child)]))
  }
  return walk(parsed.value)
}
