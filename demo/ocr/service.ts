// The OCR service: PaddleOCR's PP-OCRv4 pipeline (pipeline.ts) on three runners. Runtime-free, so Node, a
// Service Worker and a page serve this same file; the models are looked up by tag in whatever store the
// serving side gives it (see importOcrModels).
import { io, onnxRunner, Runner, Service, type CallOptions, type Tensor } from '../../src/index.js'
import { readText, type OcrLine, type OcrModels } from './pipeline.js'
import type { Pixels } from './preprocess.js'
import { recognizer } from './recognizer.js'

export type { OcrLine } from './pipeline.js'

// Each runner checks WebGPU against WASM when it starts in a browser and keeps what its check picks (on
// a software adapter, WASM: it is many times faster); the page shows each choice and why. A page of
// images takes seconds on a slow device: calls are refused as overloaded only past 30 s.
const slow = { maxLatencyMs: 30_000 }
/** Image to text probability map; one image a call, since images differ in size. */
export const detector = onnxRunner('ocr-det:latest', slow)
/** Lines to their orientation; every line is 48×192, so concurrent lines batch together. */
export const classifier = onnxRunner('ocr-cls:latest', { maxBatchSize: 32, ...slow })
/** Lines to text; lines fitted to the same width (see RECOGNIZER_WIDTHS) batch together. */
export const reader = new Runner(recognizer, {
  name: 'ocr-rec',
  models: ['ocr-rec:latest'],
  maxBatchSize: 8,
  ...slow,
})

function onlyOutput(outputs: Record<string, Tensor>, runner: string): Tensor {
  const values = Object.values(outputs)
  if (values.length !== 1)
    throw new TypeError(`${runner} should give one output, gave ${Object.keys(outputs).join(', ')}`)
  return values[0]!
}

/** The pipeline's models as calls to the runners, each call cancelled with the request. */
function runnerModels(options: CallOptions): OcrModels {
  return {
    detect: async (x) => onlyOutput(await detector.run({ x }, options), detector.name),
    classify: async (x) => onlyOutput(await classifier.run({ x }, options), classifier.name),
    recognize: async (x) => (await reader.run({ x }, options))[0]!,
  }
}

/** The text in an image, line by line in reading order, read by the service's runners. */
export function ocr(image: Pixels, options: CallOptions = {}): Promise<OcrLine[]> {
  return readText(image, runnerModels(options))
}

const runners = [detector, classifier, reader] as const

export const service = new Service('ocr', { runners: [...runners] })
  .api(
    {
      name: 'ocr',
      input: io.image({ maxPixels: 20_000_000 }),
      output: io.json(),
      doc: 'The text in a PNG or JPEG image: [{ text, box: [[x, y] × 4], score }], one entry a line, in reading order.',
    },
    (image, { signal }) => ocr(image, { signal }),
  )
  .api(
    {
      name: 'runners',
      input: io.json({ example: {} }),
      output: io.json(),
      doc: 'Where each runner runs: its state, the backend it chose and why, its workers and batch size. Send {}.',
    },
    () =>
      runners.map((r) => ({
        name: r.name,
        state: r.state,
        placement: r.placement,
        backend: r.backend,
        workers: r.workers,
        notes: r.notes,
        maxBatchSize: r.batchingConfig('run').maxBatchSize,
      })),
  )

export default service
