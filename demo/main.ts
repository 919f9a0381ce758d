// The demo page: saves the bundled model into IndexedDB, registers the Service Worker that serves the
// demo service under /api, serves the service in a worker of this page and lends its runner's worker to
// the Service Worker, and calls the service wherever the user picks.
import modelUrl from './models/linear.onnx?url'
import { $, callIn, json, setStatus, startServiceWorker, type Place, type Places } from './page-kit.js'
import { indexedDBStore, serveShared, type SharedService } from '../src/browser.js'

const PLACES: Places = {
  sw: { label: 'the Service Worker', base: '/api' },
  node: { label: 'the Node server', base: '/server/api' },
  page: { label: 'this page', base: '' },
}
const MODEL = 'demo-linear'
const BURST = 200

const store = indexedDBStore()
/** The service, shared by the demo's tabs: in this tab's own worker when it leads, else through the Service Worker. */
let shared: SharedService | undefined
const service = {
  fetch: (input: Request | string, init?: RequestInit): Promise<Response> =>
    shared ? shared.fetch(input, init) : Promise.reject(new Error('the service has not started yet')),
}

const predict = (place: Place, rows: number[][]): Promise<number[][]> =>
  json(
    callIn(service, PLACES, place, '/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rows),
    }),
  )

/** First visit: the bundled model goes into IndexedDB, where the page's and the Service Worker's runners find it. */
async function ensureModel(): Promise<void> {
  const existing = await store.list(MODEL)
  if (existing.length > 0) return setStatus('model', 'ok', `Model: ${MODEL}:${existing.at(-1)!.version} in IndexedDB`)
  const progress = $<HTMLProgressElement>('#model-progress')
  progress.hidden = false
  setStatus('model', 'starting', 'Model: saving the bundled model into IndexedDB…')
  const info = await store.save(MODEL, new URL(modelUrl, location.href), {
    format: 'onnx',
    signatures: { run: { batchable: true, batchDim: 0 } },
    onProgress: ({ loaded, total }) => (progress.value = total ? loaded / total : 0.5),
  })
  progress.value = 1
  progress.hidden = true
  setStatus('model', 'ok', `Model: saved ${MODEL}:${info.version} into IndexedDB (${info.size} bytes)`)
}

function place(): Place {
  return $<HTMLInputElement>('input[name=place]:checked').value as Place
}

interface Description {
  runner: {
    state: string
    notes: string[]
    placement?: { reason: string; workers: number; resource: string }
    workers: { live: number }
  }
}

/** "onnx demo-linear:01m… on wasm (onnxruntime-web): WASM on 2 threads" → its parts, for display. */
function splitNote(note: string): { tag: string; backend: string; detail: string } | undefined {
  const match = /^onnx (\S+) on (\S+ \([^)]+\)): (.*)$/.exec(note)
  return match ? { tag: match[1]!, backend: match[2]!, detail: match[3]! } : undefined
}

function workersLine(chosen: Place, runner: Description['runner']): string {
  if (!runner.placement) return runner.state
  if (chosen !== 'sw') return runner.placement.reason
  const live = runner.workers.live
  return `${live} worker${live === 1 ? '' : 's'}: lent by the leading tab, or the Service Worker's own thread when no tab lends`
}

async function showBackend(refresh = false): Promise<void> {
  const chosen = place()
  if (!refresh) for (const id of ['#model', '#backend', '#placement']) $(id).textContent = '…'
  try {
    const { runner } = await json<Description>(
      callIn(service, PLACES, chosen, '/describe', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"include":["runner"]}',
      }),
    )
    if (chosen !== place()) return
    const note = splitNote(runner.notes[0] ?? '')
    $('#model').textContent = note?.tag ?? '–'
    $('#backend').innerHTML = ''
    if (note)
      $('#backend').append(
        Object.assign(document.createElement('b'), { textContent: note.backend }),
        `: ${note.detail}`,
      )
    else $('#backend').textContent = runner.notes.join('; ') || runner.state
    $('#placement').textContent = workersLine(chosen, runner)
  } catch (error) {
    $('#backend').textContent = `unavailable: ${(error as Error).message}`
    $('#model').textContent = $('#placement').textContent = '–'
  }
}

const format = (v: number): string =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.001) ? v.toExponential(3) : v.toFixed(4)
const ms = (v: number): string => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`

const inputRow = (): number[] =>
  [...document.querySelectorAll<HTMLInputElement>('#predict input[name=x]')].map((input) => input.valueAsNumber)

function showCurl(): void {
  $('#curl').textContent =
    `curl ${location.origin}/server/api/predict -H 'content-type: application/json' -d '[[${inputRow().join(',')}]]'`
}

async function onPredict(event: SubmitEvent): Promise<void> {
  event.preventDefault()
  const chosen = place()
  const row = inputRow()
  const result = $('#result')
  result.dataset.state = 'running'
  result.dataset.place = chosen
  try {
    const started = performance.now()
    const [y] = await predict(chosen, [row])
    const took = performance.now() - started
    y!.forEach((v, i) => {
      const output = $(`#y${i}`)
      output.textContent = format(v)
      output.dataset.value = String(v)
    })
    $('#result-note').textContent = `Answered by ${PLACES[chosen].label} in ${ms(took)}.`
    result.dataset.state = 'done'
  } catch (error) {
    $('#result-note').textContent = `Failed: ${(error as Error).message}`
    result.dataset.state = 'error'
  }
}

/** The batch size histogram's sum and count for the demo's runner, from the Prometheus text of /metrics. */
async function batchTotals(chosen: Place): Promise<{ items: number; batches: number }> {
  const text = await (await callIn(service, PLACES, chosen, '/metrics')).text()
  const value = (name: string): number =>
    Number(new RegExp(`^${name}\\{[^}]*runner="${MODEL}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
  return { items: value('tiffin_runner_batch_size_sum'), batches: value('tiffin_runner_batch_size_count') }
}

async function onBurst(): Promise<void> {
  const chosen = place()
  const stats = $('#stats')
  const button = $<HTMLButtonElement>('#burst')
  button.disabled = true
  stats.dataset.state = 'running'
  stats.dataset.place = chosen
  $('#burst-note').textContent = `Sending ${BURST} requests to ${PLACES[chosen].label}…`
  try {
    const before = await batchTotals(chosen)
    const latencies: number[] = []
    const started = performance.now()
    const outcomes = await Promise.allSettled(
      Array.from({ length: BURST }, async (_, i) => {
        const t0 = performance.now()
        await predict(chosen, [[i % 7, (i % 5) - 2, Math.sin(i), 1]])
        latencies.push(performance.now() - t0)
      }),
    )
    const wall = performance.now() - started
    const after = await batchTotals(chosen)
    latencies.sort((a, b) => a - b)
    const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN
    const errors = outcomes.filter((o) => o.status === 'rejected').length
    const batches = after.batches - before.batches
    $('#stat-rps').textContent = Math.round((BURST - errors) / (wall / 1000)).toLocaleString('en')
    $('#stat-p50').textContent = ms(quantile(0.5))
    $('#stat-p99').textContent = ms(quantile(0.99))
    $('#stat-batch').textContent = batches > 0 ? ((after.items - before.items) / batches).toFixed(1) : '–'
    $('#stat-batches').textContent = String(batches)
    $('#stat-errors').textContent = String(errors)
    $('#burst-note').classList.toggle('bad', errors > 0)
    const firstError = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
    // Over HTTP/1.1 a browser opens at most 6 connections to a server: the rest wait in the browser.
    const why = chosen === 'node' ? ' (the browser sends at most 6 at a time over HTTP/1.1)' : ''
    $('#burst-note').textContent =
      `${BURST} requests to ${PLACES[chosen].label} in ${ms(wall)}${why}${firstError ? `; first error: ${(firstError.reason as Error).message}` : ''}.`
    stats.dataset.state = 'done'
  } catch (error) {
    $('#burst-note').textContent = `Failed: ${(error as Error).message}`
    $('#burst-note').classList.add('bad')
    stats.dataset.state = 'error'
  } finally {
    button.disabled = false
  }
}

/** "1 worker on webgpu": the runner's pool in the page's worker, in a few words. */
async function describePool(): Promise<string> {
  const { runner } = await json<Description>(
    callIn(service, PLACES, 'page', '/describe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"include":["runner"]}',
    }),
  )
  const placement = runner.placement
  return placement
    ? `${placement.workers} worker${placement.workers === 1 ? '' : 's'} on ${placement.resource}`
    : 'none'
}

async function main(): Promise<void> {
  $('#predict').addEventListener('submit', (event) => void onPredict(event as SubmitEvent))
  $('#burst').addEventListener('click', () => void onBurst())
  $('#predict').addEventListener('input', showCurl)
  showCurl()
  for (const input of document.querySelectorAll('input[name=place]'))
    input.addEventListener('change', () => void showBackend())
  try {
    await ensureModel()
  } catch (error) {
    setStatus('model', 'error', `Model: could not be saved: ${(error as Error).message}`)
    throw error
  }
  const local = await startServiceWorker('/api').catch((error: unknown) => {
    setStatus('sw', 'error', `Service Worker: ${(error as Error).message}`)
    throw error
  })
  // One tab of the demo leads: it runs the service in a worker of its own and lends the runner's worker to
  // the Service Worker; the other tabs start none, and their calls go there.
  const startWorker = (): Worker =>
    new Worker(new URL('./service.worker.ts', import.meta.url), { type: 'module', name: 'demo service' })
  try {
    shared = await serveShared(startWorker, { prefix: '/api', local })
  } catch (error) {
    setStatus('lend', 'error', `Page workers: ${(error as Error).message}`)
    throw error
  }
  const showRole = async (): Promise<void> =>
    shared!.role === 'leader'
      ? setStatus(
          'lend',
          'ok',
          `Page workers: ${await describePool()} in this tab, which leads: lent to the Service Worker`,
        )
      : setStatus(
          'lend',
          'ok',
          "Page workers: none in this tab: another tab leads, and this tab's calls go to its workers",
        )
  await showRole()
  shared.onRoleChange(() => void showRole())
  document.body.dataset.role = shared.role
  shared.onRoleChange((role) => (document.body.dataset.role = role))
  for (const button of document.querySelectorAll<HTMLButtonElement>('button')) button.disabled = false
  document.body.dataset.state = 'ready'
  await showBackend()
  // The Service Worker's workers come and go with the pages that lend them: keep the count true.
  setInterval(() => void (place() === 'sw' && showBackend(true)), 2000)
}

void main().catch((error: unknown) => {
  document.body.dataset.state = 'error'
  console.error(error)
})
