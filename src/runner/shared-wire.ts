// How a call and its answer are written into shared memory: the value's structure as JSON, with each
// typed array replaced by a marker and its bytes laid out after the JSON. Only what this round-trips
// exactly is taken (plain objects, arrays, strings, finite numbers, booleans, null, typed arrays); for
// anything else `encodeInto` answers undefined and the call goes by message instead.

/** The key of the marker that stands for a typed array: `{"\u0000ta": [type, byteOffset, length]}`. */
const MARKER = '\u0000ta'
const HEADER_BYTES = 8
const ALIGN = 8

type TypedArrayConstructor = new (
  buffer: ArrayBuffer,
  byteOffset: number,
  length: number,
) => ArrayBufferView & {
  readonly length: number
}

const TYPE_NAMES = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Float16Array',
] as const

const CONSTRUCTORS: readonly (TypedArrayConstructor | undefined)[] = TYPE_NAMES.map(
  (name) => (globalThis as unknown as Record<string, TypedArrayConstructor | undefined>)[name],
)

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Thrown inside the JSON replacer to stop at the first value the wire cannot carry. */
const NOT_PLAIN = new Error('not plain data')

interface Pending {
  readonly view: ArrayBufferView
  readonly offset: number
}

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN

function typeIndex(view: ArrayBufferView): number {
  const index = CONSTRUCTORS.indexOf(Object.getPrototypeOf(view).constructor as TypedArrayConstructor)
  if (index < 0) throw NOT_PLAIN // a DataView, or a typed array of another realm
  return index
}

/** The JSON of `value` with its typed arrays taken out, or undefined where the wire cannot carry it exactly. */
function describe(value: unknown): { json: string; arrays: Pending[]; arrayBytes: number } | undefined {
  const arrays: Pending[] = []
  let arrayBytes = 0
  let json: string | undefined
  try {
    json = JSON.stringify(value, function (this: unknown, key: string, field: unknown) {
      // `field` may already be what a toJSON made of it: the holder has the original.
      const original = key === '' ? value : (this as Record<string, unknown>)[key]
      switch (typeof original) {
        case 'string':
        case 'boolean':
          return field
        case 'number':
          if (!Number.isFinite(original)) throw NOT_PLAIN
          return field
        case 'undefined':
          // A property left undefined is left out, as it reads the same; an array's hole would become null.
          if (Array.isArray(this)) throw NOT_PLAIN
          return undefined
        case 'object': {
          if (original === null) return null
          if (ArrayBuffer.isView(original)) {
            const type = typeIndex(original)
            const offset = arrayBytes
            arrays.push({ view: original, offset })
            arrayBytes = alignUp(arrayBytes + original.byteLength)
            return { [MARKER]: [type, offset, (original as unknown as { length: number }).length] }
          }
          const proto = Object.getPrototypeOf(original) as unknown
          if (Array.isArray(original) || proto === Object.prototype || proto === null) {
            if (!Array.isArray(original) && MARKER in original) throw NOT_PLAIN
            return original
          }
          throw NOT_PLAIN // Date, Map, Blob, ArrayBuffer, class instances: structured clone keeps what JSON loses
        }
        default:
          throw NOT_PLAIN // bigint, symbol, function
      }
    })
  } catch (error) {
    if (error === NOT_PLAIN) return undefined
    throw error
  }
  return json === undefined ? undefined : { json, arrays, arrayBytes }
}

/**
 * Writes `value` into `target` and returns the bytes written, or undefined (writing nothing that matters)
 * when the value is not plain data or does not fit.
 */
export function encodeInto(value: unknown, target: Uint8Array): number | undefined {
  const described = describe(value)
  if (!described) return undefined
  const text = encoder.encode(described.json)
  const arraysAt = alignUp(HEADER_BYTES + text.byteLength)
  const total = arraysAt + described.arrayBytes
  if (total > target.byteLength) return undefined
  new DataView(target.buffer, target.byteOffset, HEADER_BYTES).setUint32(0, text.byteLength, true)
  target.set(text, HEADER_BYTES)
  for (const { view, offset } of described.arrays)
    target.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), arraysAt + offset)
  return total
}

/**
 * Reads back what `encodeInto` wrote. Every typed array is a copy with a buffer of its own, so the memory
 * may be reused at once, and moving one array to another thread never takes another with it.
 */
export function decodeFrom(source: Uint8Array): unknown {
  const textLength = new DataView(source.buffer, source.byteOffset, HEADER_BYTES).getUint32(0, true)
  // TextDecoder does not read shared memory in browsers: the text is copied out first.
  const text = decoder.decode(source.slice(HEADER_BYTES, HEADER_BYTES + textLength))
  const arraysAt = alignUp(HEADER_BYTES + textLength)
  return JSON.parse(text, (_key, field: unknown) => {
    const marker = (field as Record<string, unknown> | null)?.[MARKER] as [number, number, number] | undefined
    if (typeof field !== 'object' || field === null || !Array.isArray(marker)) return field
    const [type, offset, count] = marker
    const Type = CONSTRUCTORS[type]!
    const start = arraysAt + offset
    const own = source.slice(
      start,
      start + count * (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT,
    )
    return new Type(own.buffer, 0, count)
  })
}
