// What the three models' outputs mean: text boxes from the DB detector's probability map, the angle from
// the orientation classifier, and text from the recogniser's per-step class probabilities (CTC).
// Thresholds and rules follow PaddleOCR's inference defaults (tools/infer/utility.py, ppocr/postprocess/).
import type { Tensor } from '../../src/index.js'
import {
  distance,
  insideQuad,
  minAreaRect,
  orderCorners,
  rectCorners,
  type Point,
  type Quad,
  type RotatedRect,
} from './geometry.js'

export interface DetectionOptions {
  /** A pixel is text when its probability is above this. */
  readonly threshold: number
  /** A box is kept when the mean probability inside it is at least this. */
  readonly boxThreshold: number
  /** How far a box grows back out (DB shrinks text regions by this ratio when it trains). */
  readonly unclipRatio: number
  /** Boxes thinner than this, in map pixels, are noise. */
  readonly minSize: number
  /** The most regions looked at in one image. */
  readonly maxCandidates: number
}

/**
 * PaddleOCR's defaults, but for `unclipRatio`: its 1.5 cuts lines so close that the recogniser loses spaces
 * and descenders. On 108 English lines rendered in Chromium (test/fixtures/ocr/evaluate.ts), 1.8 read 98
 * exactly against 91 at 1.5; 2.0 (PaddleOCR 3's default) also read 98, with more than twice the character
 * errors (0.84% against 0.35%).
 */
export const DETECTION_DEFAULTS: DetectionOptions = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.8,
  minSize: 3,
  maxCandidates: 1000,
}

export interface TextBox {
  readonly quad: Quad
  /** The mean text probability inside the box, before it was grown. */
  readonly score: number
}

/**
 * The 8-connected regions of set pixels, at most `limit` of them, each given by the leftmost and rightmost
 * pixel of each of its rows: enough for its convex hull, which is all the box needs.
 */
export function regionOutlines(mask: Uint8Array, width: number, height: number, limit = Infinity): Point[][] {
  const seen = new Uint8Array(width * height)
  const stack = new Int32Array(width * height) // every pixel is pushed at most once
  const rowMin = new Int32Array(height).fill(width)
  const rowMax = new Int32Array(height).fill(-1)
  const regions: Point[][] = []
  for (let start = 0; start < mask.length && regions.length < limit; start++) {
    if (!mask[start] || seen[start]) continue
    let top = height
    let bottom = -1
    let size = 0
    stack[size++] = start
    seen[start] = 1
    while (size > 0) {
      const i = stack[--size]!
      const [x, y] = [i % width, (i - (i % width)) / width]
      rowMin[y] = Math.min(rowMin[y]!, x)
      rowMax[y] = Math.max(rowMax[y]!, x)
      top = Math.min(top, y)
      bottom = Math.max(bottom, y)
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [nx, ny] = [x + dx, y + dy]
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue
          const j = ny * width + nx
          if (mask[j] && !seen[j]) {
            seen[j] = 1
            stack[size++] = j
          }
        }
      }
    }
    const outline: Point[] = []
    for (let y = top; y <= bottom; y++) {
      outline.push([rowMin[y]!, y])
      if (rowMax[y] !== rowMin[y]) outline.push([rowMax[y]!, y])
      rowMin[y] = width
      rowMax[y] = -1
    }
    regions.push(outline)
  }
  return regions
}

/** The mean of `map` over the pixels inside the quad (PaddleOCR's "fast" box score). */
export function boxScore(map: Float32Array, width: number, height: number, quad: Quad): number {
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max)
  const xs = quad.map((p) => p[0])
  const ys = quad.map((p) => p[1])
  const [left, right] = [clamp(Math.floor(Math.min(...xs)), width - 1), clamp(Math.ceil(Math.max(...xs)), width - 1)]
  const [top, bottom] = [clamp(Math.floor(Math.min(...ys)), height - 1), clamp(Math.ceil(Math.max(...ys)), height - 1)]
  let sum = 0
  let count = 0
  for (let y = top; y <= bottom; y++) {
    for (let x = left; x <= right; x++) {
      if (!insideQuad(quad, [x, y])) continue
      sum += map[y * width + x]!
      count++
    }
  }
  return count === 0 ? 0 : sum / count
}

/**
 * Grows a rectangle back to the text's full extent. DB trains on text regions shrunk by
 * area × (1 − 0.4²) / perimeter and undoes it by offsetting the box by d = area × ratio / perimeter.
 * PaddleOCR offsets the polygon with round corners and takes that shape's least-area box, which for a
 * rectangle is the rectangle with every side moved out by d: computed here directly.
 */
export function unclip(rect: RotatedRect, ratio: number): RotatedRect {
  const perimeter = 2 * (rect.width + rect.height)
  if (perimeter === 0) return rect
  const offset = (rect.width * rect.height * ratio) / perimeter
  return { ...rect, width: rect.width + 2 * offset, height: rect.height + 2 * offset }
}

/** Text boxes in the probability map's own pixels (DB post-processing). */
export function boxesFromMap(
  map: Float32Array,
  width: number,
  height: number,
  options: DetectionOptions = DETECTION_DEFAULTS,
): TextBox[] {
  const mask = new Uint8Array(width * height)
  for (let i = 0; i < mask.length; i++) mask[i] = map[i]! > options.threshold ? 1 : 0
  const boxes: TextBox[] = []
  for (const outline of regionOutlines(mask, width, height, options.maxCandidates)) {
    const rect = minAreaRect(outline)
    if (Math.min(rect.width, rect.height) < options.minSize) continue
    const score = boxScore(map, width, height, rectCorners(rect))
    if (score < options.boxThreshold) continue
    const grown = unclip(rect, options.unclipRatio)
    if (Math.min(grown.width, grown.height) < options.minSize + 2) continue
    boxes.push({ quad: rectCorners(grown), score })
  }
  return boxes
}

/** Boxes scaled from the map to the image, whole pixels inside it; boxes 3 pixels or less across are dropped. */
export function scaleBoxes(
  boxes: readonly TextBox[],
  from: { width: number; height: number },
  to: { width: number; height: number },
): TextBox[] {
  const scale = (v: number, source: number, target: number) =>
    Math.min(Math.max(Math.round((v * target) / source), 0), target - 1)
  return boxes
    .map(({ quad, score }) => ({
      quad: orderCorners(
        quad.map(([x, y]) => [scale(x, from.width, to.width), scale(y, from.height, to.height)] as Point) as [
          Point,
          Point,
          Point,
          Point,
        ],
      ),
      score,
    }))
    .filter(({ quad: [tl, tr, , bl] }) => Math.trunc(distance(tl, tr)) > 3 && Math.trunc(distance(tl, bl)) > 3)
}

/**
 * Reading order: top to bottom, and left to right within a line. Boxes are sorted by their top-left
 * corner; a box whose top is less than half a line (the shorter box's height) from its neighbour's is on
 * the same line and goes left to right. (PaddleOCR uses a fixed 10 pixels, which depends on the image's size.)
 */
export function readingOrder<B extends TextBox>(boxes: readonly B[]): B[] {
  const sorted = [...boxes].sort((a, b) => a.quad[0][1] - b.quad[0][1] || a.quad[0][0] - b.quad[0][0])
  const lineHeight = (b: B) => distance(b.quad[0], b.quad[3])
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0; j--) {
      const [above, below] = [sorted[j - 1]!, sorted[j]!]
      const sameLine =
        Math.abs(below.quad[0][1] - above.quad[0][1]) < Math.min(lineHeight(above), lineHeight(below)) / 2
      if (!sameLine || below.quad[0][0] >= above.quad[0][0]) break
      ;[sorted[j - 1], sorted[j]] = [below, above]
    }
  }
  return sorted
}

/** The detector's output, `[1, 1, H, W]`, to text boxes in the image's pixels, in reading order. */
export function detectText(
  map: Tensor,
  image: { width: number; height: number },
  options: DetectionOptions = DETECTION_DEFAULTS,
): TextBox[] {
  const [height, width] = map.dims.slice(-2) as [number, number]
  if (map.dtype !== 'float32' || map.dims.length !== 4 || map.dims[0] !== 1 || map.dims[1] !== 1) {
    throw new TypeError(
      `The detector should give a float32 [1, 1, H, W] probability map, got ${map.dtype} [${map.dims.join(', ')}]`,
    )
  }
  const boxes = boxesFromMap(map.data as Float32Array, width, height, options)
  return readingOrder(scaleBoxes(boxes, { width, height }, image))
}

export interface Orientation {
  readonly angle: 0 | 180
  readonly score: number
}

/** PaddleOCR turns a line over only when the classifier is this sure it is upside down. */
export const UPSIDE_DOWN_THRESHOLD = 0.9

/** The classifier's output, `[N, 2]` probabilities of 0° and 180°, to each line's likelier angle. */
export function orientations(probs: Tensor): Orientation[] {
  if (probs.dtype !== 'float32' || probs.dims.length !== 2 || probs.dims[1] !== 2) {
    throw new TypeError(
      `The classifier should give float32 [N, 2] probabilities, got ${probs.dtype} [${probs.dims.join(', ')}]`,
    )
  }
  const data = probs.data as Float32Array
  return Array.from({ length: probs.dims[0]! }, (_, n) => {
    const [upright, flipped] = [data[2 * n]!, data[2 * n + 1]!]
    return flipped > upright ? { angle: 180, score: flipped } : { angle: 0, score: upright }
  })
}

export const isUpsideDown = (o: Orientation, threshold = UPSIDE_DOWN_THRESHOLD): boolean =>
  o.angle === 180 && o.score > threshold

/** The lines of a PaddleOCR dictionary (`ppocr_keys_v1.txt`): one character a line. */
export function parseKeys(text: string): string[] {
  const keys = text.split(/\r?\n/)
  if (keys.at(-1) === '') keys.pop() // the final newline ends the last line; it does not start an empty one
  return keys
}

/**
 * The recogniser's classes: CTC's blank first, the dictionary, then a space, which PaddleOCR appends when it
 * trains with `use_space_char` (as the published Chinese/English models do). The model's class count says which.
 */
export function recognitionClasses(keys: readonly string[], classCount: number): string[] {
  if (classCount === keys.length + 2) return ['', ...keys, ' ']
  if (classCount === keys.length + 1) return ['', ...keys]
  throw new TypeError(
    `The recogniser has ${classCount} classes, but its dictionary has ${keys.length} characters (expected ${keys.length + 1} or ${keys.length + 2} classes)`,
  )
}

export interface RecognizedText {
  readonly text: string
  /** The mean probability of the characters read (not of spaces put in by `spaceThreshold`); 0 when there are none. */
  readonly score: number
}

/**
 * The published recogniser, trained mostly on Chinese (which has no spaces), rarely lets the space win a
 * step even where a space plainly is. On the same 108 lines, reading a step as a space when blank wins but
 * the space has at least this probability raised the lines read exactly from 86 to 98 and the words from
 * 471 to 540 of 555; one word was split ("user_id" read as "user _id").
 */
export const SPACE_THRESHOLD = 0.05

export interface CtcOptions {
  /** Read a step as a space when blank is likelier but the space's probability is at least this; off by default. */
  readonly spaceThreshold?: number
}

/**
 * Greedy CTC decoding of `[N, T, C]` probabilities: the likeliest class per step, repeats merged, blanks
 * (class 0) dropped; runs of spaces become one and the ends are trimmed.
 */
export function ctcDecode(probs: Tensor, classes: readonly string[], options: CtcOptions = {}): RecognizedText[] {
  if (probs.dtype !== 'float32' || probs.dims.length !== 3 || probs.dims[2] !== classes.length) {
    throw new TypeError(
      `The recogniser should give float32 [N, T, ${classes.length}] probabilities, got ${probs.dtype} [${probs.dims.join(', ')}]`,
    )
  }
  const [count, steps, width] = probs.dims as [number, number, number]
  const data = probs.data as Float32Array
  const space = options.spaceThreshold === undefined ? -1 : classes.lastIndexOf(' ')
  return Array.from({ length: count }, (_, n) => {
    let text = ''
    let sum = 0
    let kept = 0
    let previous = -1
    for (let t = 0; t < steps; t++) {
      const row = (n * steps + t) * width
      let best = 0
      for (let c = 1; c < width; c++) if (data[row + c]! > data[row + best]!) best = c
      const gap = best === 0 && space > 0 && data[row + space]! >= options.spaceThreshold!
      if (gap) best = space
      if (best !== 0 && best !== previous) {
        text += classes[best]
        if (!gap) {
          sum += data[row + best]!
          kept++
        }
      }
      previous = best
    }
    return { text: text.replace(/ {2,}/g, ' ').trim(), score: kept === 0 ? 0 : sum / kept }
  })
}
