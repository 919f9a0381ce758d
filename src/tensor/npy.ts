// The NumPy `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
// read and written here so that no NumPy-shaped dependency enters a browser bundle.
// Typed arrays use the platform's byte order; every platform tiffin runs on is little-endian.
import { BadInput, Unprocessable } from '../errors.js'
import { allocate, elementCount, type DType, type Tensor, type TypedArray, type TypedArrays } from './tensor.js'

export const NPY_MEDIA_TYPE = 'application/x-npy'

/** The six bytes every `.npy` file starts with: `\x93NUMPY`. */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]

/** Each dtype's `descr` (little-endian, as NumPy writes it) and its size in bytes. */
const DESCR: Record<DType, string> = {
  float16: '<f2',
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  int16: '<i2',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  uint16: '<u2',
  uint32: '<u4',
  uint64: '<u8',
  bool: '|b1',
}

const DTYPE_OF_CODE = new Map(Object.entries(DESCR).map(([dtype, descr]) => [descr.slice(1), dtype as DType]))

export function itemSize(dtype: DType): number {
  return Number(DESCR[dtype].slice(2))
}

export function hasNpyMagic(bytes: Uint8Array): boolean {
  return MAGIC.every((byte, i) => bytes[i] === byte)
}

/** Copies little-endian element bytes into a fresh, aligned typed array of `dtype`. */
export function typedArrayFromBytes<D extends DType>(dtype: D, bytes: Uint8Array): TypedArrays[D] {
  const size = itemSize(dtype)
  if (bytes.byteLength % size !== 0) {
    throw new BadInput(`${bytes.byteLength} bytes do not hold whole ${dtype} elements of ${size} bytes each`)
  }
  const data = allocate(dtype, bytes.byteLength / size)
  new Uint8Array(data.buffer).set(bytes)
  return data
}

/** The bytes of a typed array, without copying. */
export function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

/** Reads a C-order, little-endian `.npy` file (format versions 1.0, 2.0 and 3.0). */
export function readNpy(bytes: Uint8Array): Tensor {
  if (!hasNpyMagic(bytes)) throw new BadInput('The body is not a .npy file: it does not start with \\x93NUMPY')
  const major = bytes[6]
  if (major !== 1 && major !== 2 && major !== 3)
    throw new BadInput(`Unknown .npy format version ${major}.${bytes[7]}; expected 1.0, 2.0 or 3.0`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const lengthBytes = major === 1 ? 2 : 4
  if (bytes.byteLength < 8 + lengthBytes) throw new BadInput('The .npy file ends inside its preamble')
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  const dataStart = 8 + lengthBytes + headerLength
  if (dataStart > bytes.byteLength)
    throw new BadInput(`The .npy header claims ${headerLength} bytes, more than the file holds`)
  // Version 1.0 and 2.0 headers are latin-1; 3.0 is UTF-8. Our keys and values are ASCII in both.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, dataStart))
  const { dtype, dims } = parseHeader(header)
  const expected = elementCount(dims) * itemSize(dtype)
  const body = bytes.subarray(dataStart)
  if (body.byteLength !== expected) {
    throw new BadInput(
      `The .npy data is ${body.byteLength} bytes, but a ${dtype} array of shape (${dims.join(', ')}) needs ${expected}`,
    )
  }
  return { dtype, dims, data: typedArrayFromBytes(dtype, body) }
}

/** Reads the header, a Python dict literal: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function parseHeader(header: string): { dtype: DType; dims: number[] } {
  if (!header.trimStart().startsWith('{')) throw new BadInput('The .npy header is not a Python dict literal')
  if (/['"]descr['"]\s*:\s*\[/.test(header))
    throw new Unprocessable('Structured .npy arrays (a list descr) are not supported; expected a plain numeric array')
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1]
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1]
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1]
  if (descr === undefined || fortran === undefined || shape === undefined) {
    throw new BadInput(
      `The .npy header must hold 'descr', 'fortran_order' and 'shape'; got ${header.trim().slice(0, 200)}`,
    )
  }
  if (fortran === 'True')
    throw new Unprocessable(
      'Fortran-order .npy arrays are not supported; save the array in C order (np.ascontiguousarray)',
    )
  return { dtype: dtypeOfDescr(descr), dims: parseShape(shape) }
}

function dtypeOfDescr(descr: string): DType {
  const [order, code] = [descr.slice(0, 1), descr.slice(1)]
  const dtype = DTYPE_OF_CODE.get(code)
  if (code === 'O') throw new Unprocessable('Object .npy arrays are not supported; expected a numeric dtype')
  if (!dtype || !'<>|='.includes(order)) {
    throw new Unprocessable(
      `The .npy dtype ${descr} is not supported; expected one of ${Object.values(DESCR).join(' ')}`,
    )
  }
  // A one-byte type has no byte order, whatever character NumPy or another writer put before it.
  if (order === '>' && itemSize(dtype) > 1)
    throw new Unprocessable(
      `Big-endian .npy arrays (${descr}) are not supported; save as little-endian (${DESCR[dtype]})`,
    )
  return dtype
}

function parseShape(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim().replace(/L$/, '')) // Python 2 wrote 3L
  if (parts.at(-1) === '') parts.pop()
  return parts.map((part) => {
    const n = /^\d+$/.test(part) ? Number(part) : NaN
    if (!Number.isSafeInteger(n)) throw new BadInput(`The .npy shape (${text}) must hold non-negative integers`)
    return n
  })
}

/** Writes a tensor as a version 1.0 `.npy` file (2.0 when the header outgrows 64 KiB). */
export function writeNpy(t: Tensor): Uint8Array<ArrayBuffer> {
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`
  const dict = `{'descr': '${DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`
  const major = dict.length + 12 > 0xffff ? 2 : 1
  const preamble = major === 1 ? 10 : 12
  // The data starts on a 64-byte boundary; the header is padded with spaces and ends in a newline.
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64
  const header = dict.padEnd(total - preamble - 1, ' ') + '\n'
  const data = bytesOf(t.data)
  const out = new Uint8Array(total + data.byteLength)
  out.set(MAGIC)
  out.set([major, 0], 6)
  const view = new DataView(out.buffer)
  if (major === 1) view.setUint16(8, header.length, true)
  else view.setUint32(8, header.length, true)
  out.set(new TextEncoder().encode(header), preamble)
  out.set(data, total)
  return out
}
