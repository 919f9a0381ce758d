// PaddleOCR's pipeline over any three models: detect text boxes, set each line upright, read it. The
// service runs it on its runners; the evaluation script (test/fixtures/ocr/evaluate.ts) on bare sessions.
import type { Tensor } from '../../src/index.js'
import type { Quad } from './geometry.js'
import {
  DETECTION_DEFAULTS,
  detectText,
  isUpsideDown,
  orientations,
  type DetectionOptions,
  type RecognizedText,
} from './postprocess.js'
import {
  classifierInput,
  cropQuad,
  detectionInput,
  onWhite,
  recognizerInput,
  rotate180,
  type Pixels,
} from './preprocess.js'

/** The three models, each taking one input (`[1, 3, H, W]`) and giving one result. */
export interface OcrModels {
  /** Image to text probability map, `[1, 1, H, W]`. */
  detect(x: Tensor<'float32'>): Promise<Tensor>
  /** Line to the probabilities of 0° and 180°, `[1, 2]`. */
  classify(x: Tensor<'float32'>): Promise<Tensor>
  /** Line to its text. */
  recognize(x: Tensor<'float32'>): Promise<RecognizedText>
}

export interface OcrLine {
  readonly text: string
  /** Corners in the image's pixels: top-left, top-right, bottom-right, bottom-left. */
  readonly box: Quad
  /** The recogniser's mean confidence in the line's characters. */
  readonly score: number
}

export interface ReadOptions {
  readonly detection?: DetectionOptions
  /** Lines read with less confidence than this are left out, as PaddleOCR's `drop_score` (0.5) does. */
  readonly minScore?: number
}

/**
 * The text in an image, line by line in reading order. Each line is classified and then read as soon as
 * it is cut out, all lines at once: runners' batchers merge the lines' concurrent calls into batches.
 */
export async function readText(image: Pixels, models: OcrModels, options: ReadOptions = {}): Promise<OcrLine[]> {
  const page = onWhite(image)
  const boxes = detectText(await models.detect(detectionInput(page).x), page, options.detection ?? DETECTION_DEFAULTS)
  const lines = await Promise.all(
    boxes.map(async ({ quad }) => {
      const line = cropQuad(page, quad)
      const [orientation] = orientations(await models.classify(classifierInput(line)))
      const read = await models.recognize(recognizerInput(isUpsideDown(orientation!) ? rotate180(line) : line))
      return { text: read.text, box: quad, score: read.score }
    }),
  )
  const minScore = options.minScore ?? 0.5
  return lines.filter((line) => line.score >= minScore && line.text !== '')
}
