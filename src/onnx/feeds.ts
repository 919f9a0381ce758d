import { BadInput } from '../errors.js'
import { castData, type FeedData } from '../tensor/cast.js'
import { dtypeOfArray, fitsDType, isTypedArray } from '../tensor/dtypes.js'
import { elementCount, isDType, type DType, type Tensor } from '../tensor/tensor.js'

/** A dimension a model declares: a fixed size, a named symbolic size ("N"), or `null` for an unnamed free one. */
export type DeclaredDim = number | string | null

/** One input or output a model declares. `dims` is `undefined` when the model does not say its shape. */
export interface IoSpec {
  readonly name: string
  readonly dtype: DType
  readonly dims: readonly DeclaredDim[] | undefined
}

/** A tensor as a caller may give it: the dtype may be left out, and the data may be a plain array. */
export interface FeedTensor {
  readonly dtype?: DType
  readonly dims: readonly number[]
  readonly data: FeedData
}

/** Inputs keyed by name, or one bare tensor for a model with exactly one input. */
export type Feeds = FeedTensor | Readonly<Record<string, FeedTensor>>

export const formatDims = (dims: readonly DeclaredDim[]): string => `[${dims.map((d) => d ?? '?').join(', ')}]`

export const describeSpec = (spec: IoSpec): string =>
  `${spec.name} (${spec.dtype} ${spec.dims ? formatDims(spec.dims) : 'of any shape'})`

function isBareTensor(value: object): value is FeedTensor {
  // A record of inputs holds tensors (objects) under its keys; a tensor holds an array under `dims`.
  return Array.isArray((value as { dims?: unknown }).dims) && 'data' in value
}

/**
 * Checks a call's inputs against the model's declared inputs and returns them as tensors of the declared
 * dtypes: every input present, no unknown names, rank and fixed dims as declared, each symbolic dim the
 * same size wherever it appears, and dtypes converted only where no value changes (see castData).
 */
export function prepareFeeds(feeds: Feeds, inputs: readonly IoSpec[], model: string): Record<string, Tensor> {
  // Only an error needs it: built then, not on every call.
  const expected = (): string => inputs.map(describeSpec).join(', ')
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds)) {
    throw new BadInput(
      `${model} takes a record of tensors keyed by input name (${expected()}), got ${feeds === null ? 'null' : Array.isArray(feeds) ? 'an array' : typeof feeds}`,
    )
  }
  let named: Readonly<Record<string, unknown>>
  if (isBareTensor(feeds)) {
    if (inputs.length !== 1)
      throw new BadInput(
        `${model} has ${inputs.length} inputs (${expected()}): pass a record keyed by input name, not one tensor`,
      )
    named = { [inputs[0]!.name]: feeds }
  } else {
    named = feeds
  }
  const known = new Set(inputs.map((s) => s.name))
  const unknown = Object.keys(named).filter((name) => !known.has(name))
  if (unknown.length > 0) {
    throw new BadInput(`${model} has no input ${unknown.map((n) => `"${n}"`).join(', ')}; its inputs are ${expected()}`)
  }
  const missing = inputs.filter((s) => named[s.name] === undefined)
  if (missing.length > 0) {
    throw new BadInput(
      `${model} is missing input ${missing.map((s) => `"${s.name}"`).join(', ')}; its inputs are ${expected()}`,
    )
  }
  const symbols = new Map<string, { size: number; input: string }>()
  const prepared: Record<string, Tensor> = {}
  for (const spec of inputs) {
    const what = `input "${spec.name}" of ${model}`
    const value = checkTensorShape(named[spec.name], what)
    if (spec.dims) checkDims(value.dims, spec.dims, what, symbols, spec.name)
    prepared[spec.name] = {
      dtype: spec.dtype,
      dims: [...value.dims],
      data: castData(value.data, sourceDType(value, what), spec.dtype, what),
    }
  }
  return prepared
}

/** Checks that a value looks like a tensor and that its data length matches its dims. */
function checkTensorShape(value: unknown, what: string): FeedTensor {
  const t = value as Partial<FeedTensor> | null
  if (
    typeof t !== 'object' ||
    t === null ||
    !Array.isArray(t.dims) ||
    !(Array.isArray(t.data) || isTypedArray(t.data))
  ) {
    throw new BadInput(
      `${what}: expected a tensor { dtype, dims, data }, got ${t === null ? 'null' : typeof t === 'object' ? 'an object without dims and data' : typeof t}`,
    )
  }
  if (!t.dims.every((d) => Number.isInteger(d) && d >= 0))
    throw new BadInput(`${what}: dims must be non-negative integers, got [${t.dims.join(', ')}]`)
  const count = elementCount(t.dims)
  if (t.data.length !== count)
    throw new BadInput(`${what}: dims [${t.dims.join(', ')}] hold ${count} elements, but data has ${t.data.length}`)
  return t as FeedTensor
}

/** The dtype the data is in: the one the tensor states (checked against its typed array), else the array's own. */
function sourceDType(t: FeedTensor, what: string): DType | undefined {
  if (t.dtype !== undefined && !isDType(t.dtype)) throw new BadInput(`${what}: unknown dtype "${String(t.dtype)}"`)
  if (!isTypedArray(t.data)) return t.dtype
  const natural = dtypeOfArray(t.data)
  if (t.dtype === undefined) {
    if (natural === undefined) throw new BadInput(`${what}: ${t.data.constructor.name} is not a supported element type`)
    return natural
  }
  if (!fitsDType(t.data, t.dtype))
    throw new BadInput(`${what}: a ${t.dtype} tensor cannot hold its data in a ${t.data.constructor.name}`)
  return t.dtype
}

function checkDims(
  got: readonly number[],
  declared: readonly DeclaredDim[],
  what: string,
  symbols: Map<string, { size: number; input: string }>,
  input: string,
): void {
  const mismatch = (): never => {
    throw new BadInput(`${what}: expected dims ${formatDims(declared)}, got [${got.join(', ')}]`)
  }
  if (got.length !== declared.length) mismatch()
  declared.forEach((dim, axis) => {
    const size = got[axis]!
    if (typeof dim === 'number') {
      if (dim !== size) mismatch()
    } else if (typeof dim === 'string') {
      const seen = symbols.get(dim)
      if (seen && seen.size !== size) {
        throw new BadInput(
          `${what}: dimension ${dim} is ${size} here but ${seen.size} in input "${seen.input}" (dims ${formatDims(declared)}, got [${got.join(', ')}])`,
        )
      }
      symbols.set(dim, seen ?? { size, input })
    }
  })
}
