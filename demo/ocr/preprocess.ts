// Image operations for the OCR pipeline, on 8-bit RGBA pixels (the layout of `io.image()` and `ImageData`).
// They follow PaddleOCR's published inference pre-processing (tools/infer/predict_det.py, predict_cls.py,
// predict_rec.py and ppocr/data/imaug/operators.py): the models were trained on exactly these inputs.
import { tensor, type Tensor } from '../../src/index.js'
import { distance, squareToQuad, type Quad } from './geometry.js'

/** RGBA pixels, row-major; `io.image()`'s `ImagePixels` is one. */
export interface Pixels {
  readonly width: number
  readonly height: number
  readonly data: Uint8ClampedArray
}

/** PaddleOCR reads images with OpenCV, in BGR order: its models take blue as channel 0. */
const BGR = [2, 1, 0] as const

/** The DB detector's normalisation: ImageNet's mean and std, applied in PaddleOCR's (BGR) channel order. */
const DET_MEAN = [0.485, 0.456, 0.406] as const
const DET_STD = [0.229, 0.224, 0.225] as const

/** Text-line models (classifier, recogniser) see lines 48 pixels high, scaled to [-1, 1]. */
export const LINE_HEIGHT = 48
export const CLASSIFIER_WIDTH = 192
/**
 * The widths a recogniser input is fitted to: 320 (PaddleOCR's least) times powers of 1.25, in multiples
 * of 16. PaddleOCR pads each batch to its widest line; a fixed set of widths lets lines of similar length
 * share a shape, and so a batch. A line is fitted to the nearest width, squeezed or padded by at most about
 * 12% (lines longer than 62 times their height are squeezed more). Padding much more than that costs the
 * recogniser its spaces: it read "HELLO WORLD", 502 pixels wide at height 48, as "HELLOWORLD" once padded
 * to 640, while squeezed to 320 it still read it right.
 */
export const RECOGNIZER_WIDTHS = [320, 400, 496, 624, 784, 976, 1216, 1520, 1904, 2384, 2976] as const

export function blankPixels(width: number, height: number): Pixels {
  return { width, height, data: new Uint8ClampedArray(width * height * 4) }
}

/** Composites transparent pixels onto white, as a page shows them: a transparent PNG of black text reads as text. */
export function onWhite(image: Pixels): Pixels {
  const { data } = image
  let opaque = true
  for (let i = 3; i < data.length && opaque; i += 4) opaque = data[i] === 255
  if (opaque) return image
  const out = new Uint8ClampedArray(data.length)
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3]! / 255
    for (let c = 0; c < 3; c++) out[i + c] = Math.round(data[i + c]! * alpha + 255 * (1 - alpha))
    out[i + 3] = 255
  }
  return { width: image.width, height: image.height, data: out }
}

/** Where each output column (or row) samples the input: OpenCV's INTER_LINEAR, pixel centres aligned. */
function samplePositions(from: number, to: number): { low: Int32Array; high: Int32Array; weight: Float32Array } {
  const low = new Int32Array(to)
  const high = new Int32Array(to)
  const weight = new Float32Array(to)
  const scale = from / to
  for (let i = 0; i < to; i++) {
    const at = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), from - 1)
    low[i] = Math.floor(at)
    high[i] = Math.min(low[i]! + 1, from - 1)
    weight[i] = at - low[i]!
  }
  return { low, high, weight }
}

/** Bilinear resize (OpenCV's INTER_LINEAR, which PaddleOCR uses throughout). */
export function resize(image: Pixels, width: number, height: number): Pixels {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`resize needs a positive whole size, got ${width}×${height}`)
  }
  if (width === image.width && height === image.height) return image
  const xs = samplePositions(image.width, width)
  const ys = samplePositions(image.height, height)
  const src = image.data
  const out = blankPixels(width, height)
  for (let y = 0; y < height; y++) {
    const top = ys.low[y]! * image.width
    const bottom = ys.high[y]! * image.width
    const wy = ys.weight[y]!
    for (let x = 0; x < width; x++) {
      const wx = xs.weight[x]!
      const [a, b, c, d] = [
        (top + xs.low[x]!) * 4,
        (top + xs.high[x]!) * 4,
        (bottom + xs.low[x]!) * 4,
        (bottom + xs.high[x]!) * 4,
      ]
      const o = (y * width + x) * 4
      for (let k = 0; k < 4; k++) {
        const upper = src[a + k]! + (src[b + k]! - src[a + k]!) * wx
        const lower = src[c + k]! + (src[d + k]! - src[c + k]!) * wx
        out.data[o + k] = upper + (lower - upper) * wy
      }
    }
  }
  return out
}

/** The detector's input size: the longer side at most `maxSide` (never enlarged), each side a multiple of 32. */
export function detectionSize(width: number, height: number, maxSide = 960): { width: number; height: number } {
  const ratio = Math.max(width, height) > maxSide ? maxSide / Math.max(width, height) : 1
  const snap = (side: number) => Math.max(Math.round(Math.trunc(side * ratio) / 32) * 32, 32)
  return { width: snap(width), height: snap(height) }
}

export interface DetectionInput {
  /** `[1, 3, H, W]` float32, BGR, ImageNet-normalised. */
  readonly x: Tensor<'float32'>
  /** The size the image was resized to (H × W), which is the size of the probability map. */
  readonly width: number
  readonly height: number
}

/** The DB detector's input: resized by `detectionSize`, normalised with ImageNet's mean and std, CHW. */
export function detectionInput(image: Pixels, maxSide = 960): DetectionInput {
  const size = detectionSize(image.width, image.height, maxSide)
  const resized = resize(image, size.width, size.height)
  const plane = size.width * size.height
  const data = new Float32Array(3 * plane)
  for (let c = 0; c < 3; c++) {
    const channel = BGR[c]!
    const [mean, std] = [DET_MEAN[c]!, DET_STD[c]!]
    for (let i = 0; i < plane; i++) data[c * plane + i] = (resized.data[i * 4 + channel]! / 255 - mean) / std
  }
  return { x: tensor('float32', [1, 3, size.height, size.width], data), ...size }
}

/** Bilinear sample at (x, y), pixel centres on whole numbers, edges repeated outward (OpenCV's BORDER_REPLICATE). */
function sample(image: Pixels, x: number, y: number, out: Uint8ClampedArray, o: number): void {
  const cx = Math.min(Math.max(x, 0), image.width - 1)
  const cy = Math.min(Math.max(y, 0), image.height - 1)
  const x0 = Math.floor(cx)
  const y0 = Math.floor(cy)
  const x1 = Math.min(x0 + 1, image.width - 1)
  const y1 = Math.min(y0 + 1, image.height - 1)
  const [wx, wy] = [cx - x0, cy - y0]
  const src = image.data
  const [a, b, c, d] = [
    (y0 * image.width + x0) * 4,
    (y0 * image.width + x1) * 4,
    (y1 * image.width + x0) * 4,
    (y1 * image.width + x1) * 4,
  ]
  for (let k = 0; k < 4; k++) {
    const upper = src[a + k]! + (src[b + k]! - src[a + k]!) * wx
    const lower = src[c + k]! + (src[d + k]! - src[c + k]!) * wx
    out[o + k] = upper + (lower - upper) * wy
  }
}

/**
 * Cuts a quadrilateral out of the image and straightens it (a perspective warp) to its longer edges'
 * lengths, rounded. A crop at least 1.5 times as tall as wide is a vertical line: it is turned 90°
 * counter-clockwise, as PaddleOCR does, so that it reads left to right or, upside down, right to left,
 * which the classifier catches.
 */
export function cropQuad(image: Pixels, quad: Quad): Pixels {
  const [tl, tr, br, bl] = quad
  const width = Math.max(1, Math.round(Math.max(distance(tl, tr), distance(bl, br))))
  const height = Math.max(1, Math.round(Math.max(distance(tl, bl), distance(tr, br))))
  const map = squareToQuad(quad)
  const out = blankPixels(width, height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = map(x / width, y / height)
      sample(image, sx, sy, out.data, (y * width + x) * 4)
    }
  }
  return height / width >= 1.5 ? rotate90(out) : out
}

/** Copies pixel `from` of `src` to pixel `to` of `out` (RGBA, 4 bytes each). */
function copyPixel(src: Uint8ClampedArray, from: number, out: Uint8ClampedArray, to: number): void {
  out.set(src.subarray(from * 4, from * 4 + 4), to * 4)
}

/** Turns the image 90° counter-clockwise (numpy's `rot90`): source column x becomes row width − 1 − x. */
export function rotate90(image: Pixels): Pixels {
  const { width, height, data } = image
  const out = blankPixels(height, width)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) copyPixel(data, y * width + x, out.data, (width - 1 - x) * height + y)
  return out
}

/** Turns the image 180°: its pixels in reverse order. */
export function rotate180(image: Pixels): Pixels {
  const count = image.width * image.height
  const out = blankPixels(image.width, image.height)
  for (let i = 0; i < count; i++) copyPixel(image.data, i, out.data, count - 1 - i)
  return out
}

/**
 * A text line as the line models take it: scaled to `LINE_HEIGHT` keeping its aspect ratio (squeezed into
 * `width` when wider), BGR, scaled to [-1, 1], and padded on the right with zeros (mid-grey) to `width`,
 * as PaddleOCR pads.
 */
function lineInput(line: Pixels, width: number): Tensor<'float32'> {
  const fitted = Math.min(width, Math.max(1, Math.ceil((LINE_HEIGHT * line.width) / line.height)))
  const resized = resize(line, fitted, LINE_HEIGHT)
  const plane = LINE_HEIGHT * width
  const data = new Float32Array(3 * plane)
  for (let c = 0; c < 3; c++) {
    const channel = BGR[c]!
    for (let y = 0; y < LINE_HEIGHT; y++) {
      for (let x = 0; x < fitted; x++)
        data[c * plane + y * width + x] = resized.data[(y * fitted + x) * 4 + channel]! / 127.5 - 1
    }
  }
  return tensor('float32', [1, 3, LINE_HEIGHT, width], data)
}

/** The orientation classifier's input: `[1, 3, 48, 192]`. */
export function classifierInput(line: Pixels): Tensor<'float32'> {
  return lineInput(line, CLASSIFIER_WIDTH)
}

/** The width a line is fitted to: the nearest of `widths` (by ratio) to its width at height 48, at least the first. */
export function recognizerWidth(line: Pixels, widths: readonly number[] = RECOGNIZER_WIDTHS): number {
  const natural = Math.ceil((LINE_HEIGHT * line.width) / line.height)
  const misfit = (width: number) => Math.abs(Math.log(natural / width))
  return natural <= widths[0]!
    ? widths[0]!
    : widths.reduce((best, width) => (misfit(width) < misfit(best) ? width : best))
}

/** The recogniser's input: `[1, 3, 48, W]` with W one of `widths` (see `recognizerWidth`). */
export function recognizerInput(line: Pixels, widths: readonly number[] = RECOGNIZER_WIDTHS): Tensor<'float32'> {
  return lineInput(line, recognizerWidth(line, widths))
}
