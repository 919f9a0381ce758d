// Converting tensor data between dtypes, only where no value changes: shared by model inputs and IO descriptors.
import { BadInput } from '../errors.js'
import { isTypedArray } from './dtypes.js'
import { allocate, isBigIntDType, type DType, type TypedArray, type TypedArrays } from './tensor.js'

/** Element data a caller may pass: a typed array, or plain numbers, bigints or booleans (as JSON gives them). */
export type FeedData = TypedArray | readonly number[] | readonly bigint[] | readonly boolean[]

/** The integer range of each integer dtype, as bigints so that 64-bit bounds are exact. */
const INTEGER_RANGE: Partial<Record<DType, readonly [bigint, bigint]>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  bool: [0n, 1n],
}

const isFloat = (dtype: DType): boolean => dtype === 'float32' || dtype === 'float64'

/**
 * Converts element data to `to`. A conversion is safe, and done, when every value survives it exactly,
 * with one exception: float64 to float32 rounds (as any float32 model input would), but must not
 * overflow. float16 (raw bits) converts only to itself. Anything else is refused with a BadInput that
 * names the first value that does not fit, so a caller never gets silently changed inputs.
 *
 * `from` is the source dtype, or `undefined` for plain arrays (read as JS numbers, bigints or booleans).
 * Returns `data` itself when it already is `to`'s typed array.
 */
export function castData<D extends DType>(
  data: FeedData,
  from: DType | undefined,
  to: D,
  what: string,
): TypedArrays[D] {
  if (from === to && isTypedArray(data)) return data as TypedArrays[D]
  const source = from ?? 'a plain array'
  if (from === 'float16' || to === 'float16') {
    throw new BadInput(
      `${what}: expected ${to}, got ${source}; float16 data (raw bits in a Uint16Array) is only accepted for float16 inputs`,
    )
  }
  const out = allocate(to, data.length)
  const fail = (value: unknown, index: number, why: string): never => {
    throw new BadInput(
      `${what}: expected ${to}; cannot convert ${source} to ${to} without changing values (${String(value)} at index ${index} ${why})`,
    )
  }
  if (isFloat(to)) {
    const exactOnly = from !== undefined && !isFloat(from) // integer sources must survive exactly
    const round = to === 'float32' ? Math.fround : (x: number) => x
    for (let i = 0; i < data.length; i++) {
      const value = scalarAt(data, i, fail)
      const n = Number(value)
      const stored = round(n)
      if (typeof value === 'bigint' && BigInt(n) !== value) fail(value, i, 'is not exactly representable')
      if (exactOnly && stored !== n) fail(value, i, `is not exactly representable as ${to}`)
      if (Number.isFinite(n) && !Number.isFinite(stored)) fail(value, i, `overflows ${to}`)
      out[i] = stored
    }
    return out
  }
  const [min, max] = INTEGER_RANGE[to]!
  const big = isBigIntDType(to)
  for (let i = 0; i < data.length; i++) {
    const value = scalarAt(data, i, fail)
    if (typeof value === 'number' && !Number.isInteger(value)) fail(value, i, 'is not an integer')
    const integer = BigInt(value)
    if (integer < min || integer > max) fail(value, i, `is out of ${to}'s range`)
    out[i] = big ? integer : Number(integer)
  }
  return out
}

/** Plain arrays come from JSON or user code: anything but numbers, bigints and booleans is refused. */
function scalarAt(
  data: FeedData,
  i: number,
  fail: (value: unknown, index: number, why: string) => never,
): number | bigint | boolean {
  const value: unknown = data[i]
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return value
  return fail(value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : value, i, 'is not a number')
}
