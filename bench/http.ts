// npm run bench:http [-- --seconds N --warmup N --prewarm N --clients 1,64 --rounds N --telemetry]
// The MLP test model over loopback HTTP, JSON in and out, one row a request: served by tiffin (a Service
// whose API calls a batching ONNX runner), by the same with `intraOpSpinning` ("tiffin, spinning": ONNX
// Runtime's idle threads spin rather than sleep, which trades cores for latency), and by a plain Hono +
// onnxruntime-node server (one session, one run per request), on its main thread ("plain") and in a
// hand-written worker ("plain worker": the price of the hop to a worker with nothing of tiffin's). Each
// server runs alone in a child process of its own; autocannon loads it from this one, after a check of
// every answer of a short run against the model's reference, and --prewarm seconds (default 10) at the
// largest client count, so that every point meets code compiled as a server's is once it has run a while:
// one client alone leaves much of it unoptimised for many seconds (tiffin served 300-400 requests a second
// at first, 520-790 once warm). With several rounds the servers take turns (each round starting with the
// next), and each point shows its median round (by requests per second), so that other work on a shared
// machine weighs on all alike; the CPU columns show how much there was. `--telemetry` compares tiffin with
// itself instead: as it serves by default (no tracer provider, text lines, no access log), with tracing on
// (with and without a context manager), and with JSON access lines (bench/lib/bench-telemetry.ts).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileStore } from '../src/store/fs.js'
import { mlpModel } from '../test/fixtures/models.js'
import { telemetryEnv, type TelemetryPart } from './lib/bench-telemetry.js'
import { load, rowsJson, verify } from './lib/http-load.js'
import { reportTelemetryCost, type HttpRow } from './lib/http-report.js'
import { machineCpuUs, startServer, usageBetween, type ServerProcess, type ServerStats } from './lib/http-process.js'
import { fmt, table } from './lib/stats.js'
import { barChart, sideBySide } from './lib/svg-bars.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    prewarm: { type: 'string', default: '10' },
    clients: { type: 'string', default: '1,64' },
    rounds: { type: 'string', default: '1' },
    telemetry: { type: 'boolean', default: false },
  },
})
const seconds = Number(values.seconds)
const warmupSeconds = Number(values.warmup)
const prewarmSeconds = Number(values.prewarm)
const rounds = Number(values.rounds)
const CLIENTS = values.clients.split(',').map(Number)
const MAX_BATCH_SIZE = 64
const MAX_LATENCY_MS = 100
const VERIFY_REQUESTS = 20
const log = (line: string) => process.stderr.write(`${line}\n`)

const model = mlpModel()
const dir = await mkdtemp(join(tmpdir(), 'tiffin-bench-http-'))
const modelPath = join(dir, 'mlp.onnx')
await writeFile(modelPath, model.bytes)
await fileStore(join(dir, 'store')).save('mlp', model.bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
// Every request carries the same row, as a load generator sends the same body.
const body = rowsJson(model.sampleInputs(1).x!)

interface Variant {
  readonly name: string
  start(): Promise<ServerProcess>
}
const tiffin = (name: string, telemetry: TelemetryPart[] = [], spinning = false): Variant => ({
  name,
  start: () =>
    startServer(
      name,
      new URL('./lib/http-tiffin-server.ts', import.meta.url),
      [join(dir, 'store'), String(MAX_BATCH_SIZE), String(MAX_LATENCY_MS), ...(spinning ? ['spinning'] : [])],
      telemetryEnv(telemetry),
    ),
})
const plain = (name: string, ...args: string[]): Variant => ({
  name,
  start: () => startServer(name, new URL('./lib/http-plain-server.ts', import.meta.url), [modelPath, ...args]),
})
const variants: readonly Variant[] = values.telemetry
  ? [
      tiffin('tiffin'),
      tiffin('tiffin + tracing', ['tracing']),
      tiffin('+ tracing, no context', ['tracing-without-context']),
      tiffin('tiffin + JSON log', ['json-log']),
    ]
  : [tiffin('tiffin'), tiffin('tiffin, spinning', [], true), plain('plain'), plain('plain worker', 'worker')]
// What the "vs" column compares with: the plain server, or tiffin as it serves by default.
const baseline = values.telemetry ? 'tiffin' : 'plain'

const measured: HttpRow[] = []
try {
  for (let round = 1; round <= rounds; round++) {
    // Each round starts with the next variant, so that none always runs first (or last) in a round.
    const order = variants.map((_, i) => variants[(i + round - 1) % variants.length]!)
    for (const { name, start } of order) {
      const server = await start()
      try {
        log(`${rounds > 1 ? `round ${round}: ` : ''}${server.info} at ${server.url}`)
        await verify(`${server.url}/predict`, model, VERIFY_REQUESTS)
        log(`${name}: ${VERIFY_REQUESTS} concurrent requests answered as the reference says`)
        if (prewarmSeconds > 0)
          await load(`${server.url}/predict`, body, Math.max(...CLIENTS), prewarmSeconds, 0, () => {})
        for (const clients of CLIENTS) measured.push(await measure(name, server, clients))
      } finally {
        await server.stop()
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}

async function measure(name: string, server: ServerProcess, clients: number): Promise<HttpRow> {
  let before: Promise<ServerStats> | undefined
  let machineBefore = 0
  const point = await load(`${server.url}/predict`, body, clients, seconds, warmupSeconds, () => {
    machineBefore = machineCpuUs()
    before = server.stats()
  })
  const [start, end] = [await before!, await server.stats()]
  const machinePercent = (100 * (machineCpuUs() - machineBefore)) / 1000 / (end.atMs - start.atMs)
  const usage = usageBetween(start, end)
  const delta = (key: string) => (end.extra?.[key] ?? NaN) - (start.extra?.[key] ?? NaN)
  const batches = delta('batches')
  const row: HttpRow = {
    ...point,
    server: name,
    clients,
    serverCpuPercent: usage.cpuPercent,
    mainBusyPercent: usage.mainBusyPercent,
    mainCpuPerRequestUs: usage.mainCpuUs / point.requests,
    othersCpuPercent: Math.max(0, machinePercent - usage.cpuPercent - point.loadCpuPercent),
    ...(end.extra && {
      meanBatch: delta('items') / batches,
      batchMs: delta('executionMs') / batches,
      refused: delta('rejected'),
    }),
  }
  const codes = Object.entries(point.statusCodes)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ')
  log(
    `${name} ${clients} clients: ${Math.round(point.requestsPerS)} req/s, p50 ${point.p50Ms.toFixed(2)} ms, p99 ${point.p99Ms.toFixed(2)} ms; ` +
      `server CPU ${usage.cpuPercent.toFixed(0)}% (main thread busy ${usage.mainBusyPercent.toFixed(0)}%, ${row.mainCpuPerRequestUs.toFixed(0)} µs CPU a request), ` +
      `load generator ${point.loadCpuPercent.toFixed(0)}%, others ${row.othersCpuPercent.toFixed(0)}%; status ${codes || 'none'}, ${point.errors} socket errors` +
      (row.meanBatch === undefined
        ? ''
        : `; mean batch ${row.meanBatch.toFixed(1)}, ${row.batchMs!.toFixed(2)} ms a batch, ${row.refused} refused`),
  )
  // Connections cut at the end of a run leave requests unanswered: give the server a moment to say so.
  await new Promise((resolve) => setTimeout(resolve, 300))
  for (const line of server.repeatedLines()) log(line)
  return row
}

/** Per server and client count, the median round by requests per second. */
function medianRound(server: string, clients: number): HttpRow {
  const of = measured
    .filter((r) => r.server === server && r.clients === clients)
    .sort((a, b) => a.requestsPerS - b.requestsPerS)
  return of[Math.floor((of.length - 1) / 2)]!
}
const rows = variants.flatMap(({ name }) => CLIENTS.map((clients) => medianRound(name, clients)))
const baselineAt = (clients: number) => rows.find((r) => r.server === baseline && r.clients === clients)

const roundsNote = rounds > 1 ? `, the median of ${rounds} rounds` : ''
console.log(
  `\nHTTP: MLP 256→3×1024→16, JSON, one row a request; tiffin maxBatchSize ${MAX_BATCH_SIZE}, maxLatencyMs ${MAX_LATENCY_MS}; ${seconds} s a point after ${warmupSeconds} s of warm-up, each server first loaded for ${prewarmSeconds} s at ${Math.max(...CLIENTS)} clients${roundsNote}`,
)
console.log(
  table(
    [
      'server',
      'clients',
      'req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      `vs ${baseline}`,
      'server CPU',
      'main busy',
      'main µs/req',
      'load gen CPU',
      'others CPU',
      'mean batch',
    ],
    rows.map((r) => [
      r.server,
      String(r.clients),
      fmt(r.requestsPerS, 0),
      fmt(r.p50Ms, 2),
      fmt(r.p99Ms, 2),
      String(r.non2xx + r.errors),
      `${fmt(r.requestsPerS / (baselineAt(r.clients)?.requestsPerS ?? NaN), 2)}×`,
      `${fmt(r.serverCpuPercent, 0)}%`,
      `${fmt(r.mainBusyPercent, 0)}%`,
      fmt(r.mainCpuPerRequestUs, 0),
      `${fmt(r.loadCpuPercent, 0)}%`,
      `${fmt(r.othersCpuPercent, 0)}%`,
      r.meanBatch === undefined ? '–' : fmt(r.meanBatch, 1),
    ]),
  ),
)

if (values.telemetry)
  reportTelemetryCost(measured, { servers: variants.map((v) => v.name), clients: CLIENTS, rounds, baseline })
else await reportTiffinAgainstPlain()

/** The chart in bench/results/http.svg, and one JSON line of the figures per client count. */
async function reportTiffinAgainstPlain(): Promise<void> {
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  const categories = CLIENTS.map((c) => `${c} client${c === 1 ? '' : 's'}`)
  const series = (pick: (r: HttpRow) => number) =>
    variants.map(({ name }) => ({
      label: name,
      color:
        ({ plain: '#c0392b', 'plain worker': '#d68910', 'tiffin, spinning': '#7fb8dc' } as Record<string, string>)[
          name
        ] ?? '#2f7d4f',
      values: CLIENTS.map((clients) => pick(medianRound(name, clients))),
    }))
  const svg = sideBySide([
    barChart(
      'Requests per second',
      categories,
      'requests / s',
      series((r) => r.requestsPerS),
    ),
    barChart(
      'p99 latency',
      categories,
      'ms',
      series((r) => r.p99Ms),
    ),
  ])
  const path = new URL('./results/http.svg', import.meta.url)
  await writeFile(path, svg)
  log(`wrote ${path.pathname}`)

  for (const clients of CLIENTS) {
    const at = (server: string) => rows.find((r) => r.server === server && r.clients === clients)!
    const [tiffin, spinning, plain, worker] = [at('tiffin'), at('tiffin, spinning'), at('plain'), at('plain worker')]
    console.log(
      JSON.stringify({
        bench: 'http',
        clients,
        tiffin_rps: Math.round(tiffin.requestsPerS),
        tiffin_spinning_rps: Math.round(spinning.requestsPerS),
        plain_rps: Math.round(plain.requestsPerS),
        plain_worker_rps: Math.round(worker.requestsPerS),
        tiffin_vs_plain: Number((tiffin.requestsPerS / plain.requestsPerS).toFixed(2)),
        tiffin_p50_ms: Number(tiffin.p50Ms.toFixed(2)),
        plain_p50_ms: Number(plain.p50Ms.toFixed(2)),
        tiffin_p99_ms: Number(tiffin.p99Ms.toFixed(2)),
        plain_p99_ms: Number(plain.p99Ms.toFixed(2)),
      }),
    )
  }
}
