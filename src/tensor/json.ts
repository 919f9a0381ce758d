// How JSON carries a tensor. JSON has no int64, NaN or Infinity, so:
// - int64/uint64 elements are written as numbers when they are safe integers (|v| < 2^53), else as
//   decimal strings ("9007199254740993"), and read back from either;
// - NaN, Infinity and -Infinity are written and read as the strings "NaN", "Infinity", "-Infinity";
// - bool elements are true/false; float16 elements are their numeric values, not their raw bits.
import { BadInput, Unprocessable } from '../errors.js'
import { castData } from './cast.js'
import {
  DTYPES,
  elementCount,
  isDType,
  nestedDims,
  type DType,
  type Nested,
  type Tensor,
  type TypedArray,
} from './tensor.js'

/** Deeper nesting is refused before it is walked, so a hostile body cannot exhaust the stack. */
const MAX_RANK = 32

/** The dtype of plain JSON numbers when neither the body nor the API names one. */
const DEFAULT_DTYPE: DType = 'float32'

type Scalar = number | bigint | boolean

/** A tensor as JSON: nested arrays of numbers, strings (see above) and booleans. */
export type TensorJson = number | string | boolean | TensorJson[]

/**
 * Reads a tensor from a parsed JSON body: nested arrays, or `{ dtype?, shape | dims?, data }` with
 * `data` flat or nested as `shape` says. Numbers without a dtype take `declared` (else float32), and
 * a value that does not fit it is a 422; a value that does not fit the body's own `dtype` is a 400.
 */
export function tensorFromJson(body: unknown, declared: DType | undefined): Tensor {
  if (body !== null && typeof body === 'object' && !Array.isArray(body))
    return objectForm(body as Record<string, unknown>, declared)
  const dtype = declared ?? DEFAULT_DTYPE
  const quick = floatsOf(body, dtype)
  if (quick) return quick
  const { dims, values } = flatten(body)
  return { dtype, dims, data: fromScalars(values, dtype, Unprocessable) }
}

/**
 * The common case, read straight into its typed array: rectangular arrays of plain numbers for a float
 * dtype. Anything else (strings, booleans, ragged rows, a float32 overflow) gives undefined, and the
 * general path reads it or says what is wrong.
 */
function floatsOf(body: unknown, dtype: DType): Tensor | undefined {
  if ((dtype !== 'float32' && dtype !== 'float64') || !Array.isArray(body)) return undefined
  const dims = nestedDims(body as Nested)
  if (dims.length > MAX_RANK) return undefined
  const data = dtype === 'float32' ? new Float32Array(elementCount(dims)) : new Float64Array(elementCount(dims))
  return fillFloats(body, dims, 0, data, 0) === data.length ? { dtype, dims, data } : undefined
}

/** Writes the leaves under `node` from `at` on; returns where it stopped, or -1 at anything but a number where expected. */
function fillFloats(
  node: unknown,
  dims: readonly number[],
  depth: number,
  data: Float32Array | Float64Array,
  at: number,
): number {
  if (!Array.isArray(node) || node.length !== dims[depth]) return -1
  // Indexed loops: iterators would allocate a result (and box a double) per element.
  if (depth < dims.length - 1) {
    for (let k = 0; k < node.length && at >= 0; k++) at = fillFloats(node[k], dims, depth + 1, data, at)
    return at
  }
  for (let k = 0; k < node.length; k++) {
    const value: unknown = node[k]
    if (typeof value !== 'number') return -1
    data[at] = value
    // Infinity stored from a finite number: a float32 overflow, refused on the general path.
    if (data[at] === Infinity || data[at] === -Infinity) return -1
    at++
  }
  return at
}

function objectForm(body: Record<string, unknown>, declared: DType | undefined): Tensor {
  const { dtype, data } = body
  const shape = body['shape'] ?? body['dims']
  if (data === undefined) {
    throw new BadInput(
      'A tensor object needs "data", with optional "dtype" and "shape": {"dtype": "float32", "shape": [2, 2], "data": [[1, 2], [3, 4]]}',
    )
  }
  if (dtype !== undefined && !isDType(dtype))
    throw new BadInput(`Unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(', ')}`)
  const flat = flatten(data)
  let dims = flat.dims
  if (shape !== undefined) {
    dims = checkedShape(shape)
    if (elementCount(dims) !== flat.values.length) {
      throw new BadInput(
        `The shape [${dims.join(', ')}] holds ${elementCount(dims)} elements, but data holds ${flat.values.length}`,
      )
    }
    if (flat.dims.length > 1 && flat.dims.join() !== dims.join()) {
      throw new BadInput(
        `The data is nested as [${flat.dims.join(', ')}] but the shape is [${dims.join(', ')}]; send data flat or nested as the shape`,
      )
    }
  }
  if (dtype === undefined)
    return {
      dtype: declared ?? DEFAULT_DTYPE,
      dims,
      data: fromScalars(flat.values, declared ?? DEFAULT_DTYPE, Unprocessable),
    }
  return { dtype, dims, data: fromScalars(flat.values, dtype, BadInput) }
}

function checkedShape(shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new BadInput(
      `A tensor shape must be an array of at most ${MAX_RANK} non-negative integers, got ${JSON.stringify(shape)?.slice(0, 100)}`,
    )
  }
  return shape as number[]
}

/** Checks that nested arrays are rectangular and collects their leaves in row-major order. */
function flatten(value: unknown): { dims: number[]; values: Scalar[] } {
  const dims = nestedDims(value as Nested)
  if (dims.length > MAX_RANK)
    throw new BadInput(`The arrays are nested ${dims.length} deep; a tensor may have at most ${MAX_RANK} dimensions`)
  const values: Scalar[] = []
  const index: number[] = [] // where the walk is, to name the place of an error
  const at = () => (index.length ? index.map((i) => `[${i}]`).join('') : 'the top')
  const walk = (node: unknown, depth: number): void => {
    if (depth === dims.length) return void values.push(scalarOf(node, at))
    if (!Array.isArray(node) || node.length !== dims[depth]) {
      const found = Array.isArray(node) ? `${node.length} items` : JSON.stringify(node)
      throw new BadInput(
        `Expected ${dims[depth]} items at ${at()} (shape [${dims.join(', ')}]), found ${found}; rows must be of equal length`,
      )
    }
    for (let k = 0; k < node.length; k++) {
      index.push(k)
      walk(node[k], depth + 1)
      index.pop()
    }
  }
  walk(value, 0)
  return { dims, values }
}

const SPECIAL: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity }

function scalarOf(node: unknown, at: () => string): Scalar {
  if (typeof node === 'number' || typeof node === 'boolean') return node
  if (typeof node === 'string' && /^-?\d{1,30}$/.test(node)) return BigInt(node)
  if (typeof node === 'string' && Object.hasOwn(SPECIAL, node)) return SPECIAL[node]!
  const found = node === null ? 'null' : typeof node === 'string' ? JSON.stringify(node.slice(0, 40)) : typeof node
  throw new BadInput(`Expected a number at ${at()}, found ${found}`)
}

/** Converts JSON scalars to `dtype`'s typed array, refusing values that would change (as castData does). */
function fromScalars(values: Scalar[], dtype: DType, refuse: typeof BadInput | typeof Unprocessable): TypedArray {
  try {
    if (dtype === 'float16') return Uint16Array.from(values, (v) => floatToHalf(Number(v)))
    return castData(values as readonly number[], undefined, dtype, 'The tensor')
  } catch (error) {
    if (error instanceof BadInput && refuse !== BadInput) throw new refuse(error.message, { cause: error })
    throw error
  }
}

/** Writes a tensor as nested arrays (a bare value for a scalar), as the comment at the top says. */
export function tensorToJson(t: Tensor): TensorJson {
  const scalar = scalarWriter(t)
  if (t.dims.length === 0) return scalar(0)
  let offset = 0
  const build = (depth: number): TensorJson[] => {
    const out: TensorJson[] = []
    for (let k = 0; k < t.dims[depth]!; k++) out.push(depth === t.dims.length - 1 ? scalar(offset++) : build(depth + 1))
    return out
  }
  return build(0)
}

function scalarWriter({ dtype, data }: Tensor): (k: number) => number | string | boolean {
  if (dtype === 'bool') return (k) => data[k] !== 0
  if (dtype === 'int64' || dtype === 'uint64') {
    return (k) => {
      const value = data[k] as bigint
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
    }
  }
  const numberAt =
    dtype === 'float16' ? (k: number) => halfToFloat(data[k] as number) : (k: number) => data[k] as number
  return (k) => {
    const n = numberAt(k)
    return Number.isFinite(n) ? n : String(n)
  }
}

/** IEEE 754 half-precision bits to their value. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >> 10) & 0x1f
  const mantissa = bits & 0x3ff
  if (exponent === 0) return sign * mantissa * 2 ** -24
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15)
}

/** A number to the nearest half-precision value's bits (ties to even), from the double directly. */
export function floatToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0
  const magnitude = Math.abs(value)
  if (magnitude >= 65520) return sign | 0x7c00 // 65520 is halfway past the largest half (65504): rounds to infinity
  if (magnitude < 2 ** -14) return sign | roundHalfEven(magnitude * 2 ** 24) // subnormal: steps of 2^-24
  let exponent = Math.floor(Math.log2(magnitude))
  if (2 ** exponent > magnitude) exponent-- // log2 may be off by one near powers of two
  if (2 ** (exponent + 1) <= magnitude) exponent++
  let mantissa = roundHalfEven((magnitude / 2 ** exponent - 1) * 1024)
  if (mantissa === 1024) [exponent, mantissa] = [exponent + 1, 0]
  return sign | ((exponent + 15) << 10) | mantissa
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x)
  const rest = x - floor
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor
}
