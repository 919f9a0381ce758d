import { BadInput, TiffinError, Unprocessable } from '../errors.js'
import { castData } from '../tensor/cast.js'
import { tensorFromJson, tensorToJson } from '../tensor/json.js'
import {
  bytesOf,
  hasNpyMagic,
  itemSize,
  NPY_MEDIA_TYPE,
  readNpy,
  typedArrayFromBytes,
  writeNpy,
} from '../tensor/npy.js'
import { DTYPES, elementCount, isDType, type DType, type Tensor } from '../tensor/tensor.js'
import { decodeUtf8, isJsonType, negotiate, readBytes, requireMediaType } from './content-type.js'
import type { IODescriptor, JsonSchema, OpenApiContent } from './descriptor.js'
import { parseJsonText } from './json.js'

export interface TensorOptions<D extends DType = DType> {
  /** The dtype the API takes; inputs of another dtype are cast to it when every value fits (422 otherwise). */
  readonly dtype?: D
  /** The shape the API takes, `-1` for any size along a dimension; checked only with `enforceShape`. */
  readonly shape?: readonly number[]
  /** Refuse (422) an input whose dtype is not `dtype` instead of casting it. */
  readonly enforceDtype?: boolean
  /** Refuse (422) an input whose shape does not match `shape`. */
  readonly enforceShape?: boolean
}

const OCTET = 'application/octet-stream'
const DTYPE_HEADER = 'x-tensor-dtype'
const SHAPE_HEADER = 'x-tensor-shape'
const ACCEPTED = ['application/json', NPY_MEDIA_TYPE, OCTET]

/**
 * A tensor in and out as JSON nested arrays (or `{dtype, shape, data}`), a `.npy` file, or raw
 * little-endian bytes with `x-tensor-dtype` and `x-tensor-shape` headers. The answer is JSON unless
 * `Accept` asks for `.npy` or octet-stream; see `tensor-json.ts` for how JSON carries int64 and NaN.
 */
export function tensor<D extends DType = DType>(options: TensorOptions<D> = {}): IODescriptor<Tensor<D>> {
  const conform = (t: Tensor): Tensor<D> => conformTensor(t, options) as Tensor<D>
  return {
    kind: 'tensor',
    async parse(request) {
      const media = requireMediaType(
        request,
        (type) => isJsonType(type) || type === NPY_MEDIA_TYPE || type === OCTET,
        ACCEPTED,
      )
      const bytes = await readBytes(request)
      if (isJsonType(media.essence))
        return conform(tensorFromJson(parseJsonText(decodeUtf8(bytes, 'The body')), options.dtype))
      if (media.essence === NPY_MEDIA_TYPE || hasNpyMagic(bytes)) return conform(readNpy(bytes))
      return conform(tensorFromRawBytes(bytes, request.headers, options.dtype))
    },
    async parsePart(part) {
      const bytes = typeof part === 'string' ? undefined : new Uint8Array(await part.arrayBuffer())
      if (bytes && hasNpyMagic(bytes)) return conform(readNpy(bytes))
      const text = bytes ? decodeUtf8(bytes, 'The part') : (part as string)
      return conform(tensorFromJson(parseJsonText(text), options.dtype))
    },
    serialize(value, request) {
      if (value.data.length !== elementCount(value.dims)) {
        throw new TiffinError(
          `A tensor result of shape [${value.dims.join(', ')}] needs ${elementCount(value.dims)} elements, but its data has ${value.data.length}`,
        )
      }
      const type = negotiate(request, ['application/json', NPY_MEDIA_TYPE, OCTET])
      if (type === NPY_MEDIA_TYPE) return new Response(writeNpy(value), { headers: { 'content-type': NPY_MEDIA_TYPE } })
      if (type === OCTET) {
        const headers = { 'content-type': OCTET, [DTYPE_HEADER]: value.dtype, [SHAPE_HEADER]: value.dims.join(',') }
        return new Response(bytesOf(value.data).slice(), { headers })
      }
      return Response.json(tensorToJson(value))
    },
    requestContent: () => content(requestJsonSchema(options)),
    responseContent: () => content(nestedSchema(options)),
  }
}

/** Checks and converts a parsed tensor against the API's declared dtype and shape. */
function conformTensor(t: Tensor, options: TensorOptions): Tensor {
  const { dtype, shape } = options
  if (dtype && t.dtype !== dtype) {
    if (options.enforceDtype) throw new Unprocessable(`Wrong tensor dtype: expected ${dtype}, got ${t.dtype}`)
    t = { dtype, dims: t.dims, data: castTo(t, dtype) }
  }
  if (options.enforceShape && shape && !shapeMatches(shape, t.dims)) {
    throw new Unprocessable(`Wrong tensor shape: expected shape [${shape.join(', ')}], got [${t.dims.join(', ')}]`)
  }
  return t
}

/** Casts only where every value survives (float64 to float32 rounds); anything else is a 422. */
function castTo(t: Tensor, dtype: DType): Tensor['data'] {
  try {
    return castData(t.data, t.dtype, dtype, 'The tensor')
  } catch (error) {
    if (error instanceof BadInput) throw new Unprocessable(error.message, { cause: error })
    throw error
  }
}

function shapeMatches(expected: readonly number[], actual: readonly number[]): boolean {
  return expected.length === actual.length && expected.every((d, i) => d === -1 || d === actual[i])
}

/** Raw bytes: the dtype comes from `x-tensor-dtype` (or the declared one), the shape from `x-tensor-shape` (or flat). */
function tensorFromRawBytes(bytes: Uint8Array, headers: Headers, declared: DType | undefined): Tensor {
  const dtype = headers.get(DTYPE_HEADER)?.trim().toLowerCase() ?? declared
  if (!dtype) throw new BadInput(`Raw tensor bytes need their dtype in the ${DTYPE_HEADER} header`)
  if (!isDType(dtype))
    throw new BadInput(`Unknown dtype "${dtype}" in ${DTYPE_HEADER}; expected one of ${DTYPES.join(', ')}`)
  const shapeHeader = headers.get(SHAPE_HEADER)
  const dims = shapeHeader === null ? [Math.floor(bytes.byteLength / itemSize(dtype))] : parseShapeHeader(shapeHeader)
  const expected = elementCount(dims) * itemSize(dtype)
  if (bytes.byteLength !== expected) {
    throw new BadInput(
      `A ${dtype} tensor of shape [${dims.join(', ')}] is ${expected} bytes; the body has ${bytes.byteLength}`,
    )
  }
  return { dtype, dims, data: typedArrayFromBytes(dtype, bytes) }
}

function parseShapeHeader(header: string): number[] {
  if (header.trim() === '') return [] // a scalar
  return header.split(',').map((part) => {
    const n = /^\s*\d+\s*$/.test(part) ? Number(part) : NaN
    if (!Number.isSafeInteger(n))
      throw new BadInput(`${SHAPE_HEADER} must be comma-separated non-negative integers, got "${header}"`)
    return n
  })
}

function content(json: JsonSchema): OpenApiContent {
  const binary = (type: string, description: string): { schema: JsonSchema } => ({
    schema: { type: 'string', format: 'binary', contentMediaType: type, description },
  })
  return {
    'application/json': { schema: json },
    [NPY_MEDIA_TYPE]: binary(NPY_MEDIA_TYPE, 'A NumPy .npy file: little-endian, C order.'),
    [OCTET]: binary(
      OCTET,
      `Raw little-endian elements, row-major; the dtype in ${DTYPE_HEADER}, the shape in ${SHAPE_HEADER} (comma-separated).`,
    ),
  }
}

function elementSchema(dtype: DType | undefined): JsonSchema {
  if (dtype === 'bool') return { type: 'boolean' }
  if (dtype === 'int64' || dtype === 'uint64')
    return { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }] }
  if (dtype && !dtype.startsWith('float')) return { type: 'integer' }
  return { anyOf: [{ type: 'number' }, { enum: ['NaN', 'Infinity', '-Infinity'] }] }
}

/** Nested arrays, one level per dimension, with fixed lengths where the shape fixes them. */
function nestedSchema({ dtype, shape }: TensorOptions): JsonSchema {
  if (!shape) return { type: 'array', description: `Rectangular nested arrays of ${dtype ?? 'numbers'}.`, items: {} }
  return shape.reduceRight<JsonSchema>(
    (items, d) => (d === -1 ? { type: 'array', items } : { type: 'array', items, minItems: d, maxItems: d }),
    elementSchema(dtype),
  )
}

function requestJsonSchema(options: TensorOptions): JsonSchema {
  const objectForm = {
    type: 'object',
    required: ['data'],
    properties: {
      dtype: { enum: DTYPES },
      shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
      data: { type: 'array', description: 'Flat, or nested as the shape says.' },
    },
  }
  return { oneOf: [nestedSchema(options), objectForm] }
}
