// npm run bench:http [-- --seconds N --warmup N --clients 1,64 --rounds N]
// The MLP test model over loopback HTTP, JSON in and out, one row a request: served by tiffin (a Service
// whose API calls a batching ONNX runner) and by a plain Hono + onnxruntime-node server (one session,
// one run per request). Each server runs alone in a child process of its own; autocannon loads it from
// this one, after a check of every answer of a short run against the model's reference. With several
// rounds the servers take turns, and each point shows its median round (by requests per second), so that
// other work on a shared machine weighs on both alike; the CPU columns show how much there was.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileStore } from '../src/store/fs.js'
import { mlpModel } from '../test/fixtures/models.js'
import { load, rowsJson, verify, type LoadPoint } from './lib/http-load.js'
import { machineCpuUs, startServer, usageBetween, type ServerProcess, type ServerStats } from './lib/http-process.js'
import { fmt, table } from './lib/stats.js'
import { barChart, sideBySide } from './lib/svg-bars.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    clients: { type: 'string', default: '1,64' },
    rounds: { type: 'string', default: '1' },
  },
})
const seconds = Number(values.seconds)
const warmupSeconds = Number(values.warmup)
const rounds = Number(values.rounds)
const CLIENTS = values.clients.split(',').map(Number)
const MAX_BATCH_SIZE = 64
const MAX_LATENCY_MS = 100
const VERIFY_REQUESTS = 20
const log = (line: string) => process.stderr.write(`${line}\n`)

type ServerName = 'tiffin' | 'plain'

interface Row extends LoadPoint {
  readonly server: ServerName
  readonly clients: number
  /** The server process, every thread, in % of one core. */
  readonly serverCpuPercent: number
  /** The server's main thread: share of wall time its event loop was busy (waiting for a core included). */
  readonly mainBusyPercent: number
  /** The server's main thread: CPU time per request answered, in µs. */
  readonly mainCpuPerRequestUs: number
  /** CPU used on this machine by neither the server nor the load generator (other work), in % of one core. */
  readonly othersCpuPercent: number
  /** tiffin only: mean items per batch, ms a batch (the worker round trip), calls refused. */
  readonly meanBatch?: number
  readonly batchMs?: number
  readonly refused?: number
}

const model = mlpModel()
const dir = await mkdtemp(join(tmpdir(), 'tiffin-bench-http-'))
const modelPath = join(dir, 'mlp.onnx')
await writeFile(modelPath, model.bytes)
await fileStore(join(dir, 'store')).save('mlp', model.bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
// Every request carries the same row, as a load generator sends the same body.
const body = rowsJson(model.sampleInputs(1).x!)

const servers: Record<ServerName, () => Promise<ServerProcess>> = {
  tiffin: () =>
    startServer('tiffin', new URL('./lib/http-tiffin-server.ts', import.meta.url), [
      join(dir, 'store'),
      String(MAX_BATCH_SIZE),
      String(MAX_LATENCY_MS),
    ]),
  plain: () => startServer('plain', new URL('./lib/http-plain-server.ts', import.meta.url), [modelPath]),
}

const measured: Row[] = []
try {
  for (let round = 1; round <= rounds; round++) {
    for (const name of Object.keys(servers) as ServerName[]) {
      const server = await servers[name]()
      try {
        log(`${rounds > 1 ? `round ${round}: ` : ''}${server.info} at ${server.url}`)
        await verify(`${server.url}/predict`, model, VERIFY_REQUESTS)
        log(`${name}: ${VERIFY_REQUESTS} concurrent requests answered as the reference says`)
        for (const clients of CLIENTS) measured.push(await measure(name, server, clients))
      } finally {
        await server.stop()
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}

async function measure(name: ServerName, server: ServerProcess, clients: number): Promise<Row> {
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
  const row: Row = {
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
function medianRound(server: ServerName, clients: number): Row {
  const of = measured
    .filter((r) => r.server === server && r.clients === clients)
    .sort((a, b) => a.requestsPerS - b.requestsPerS)
  return of[Math.floor((of.length - 1) / 2)]!
}
const rows = (['tiffin', 'plain'] as const).flatMap((server) => CLIENTS.map((clients) => medianRound(server, clients)))
const plainAt = (clients: number) => rows.find((r) => r.server === 'plain' && r.clients === clients)

const roundsNote = rounds > 1 ? `, the median of ${rounds} rounds` : ''
console.log(
  `\nHTTP: MLP 256→3×1024→16, JSON, one row a request; tiffin maxBatchSize ${MAX_BATCH_SIZE}, maxLatencyMs ${MAX_LATENCY_MS}; ${seconds} s a point after ${warmupSeconds} s of warm-up${roundsNote}`,
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
      'vs plain',
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
      `${fmt(r.requestsPerS / (plainAt(r.clients)?.requestsPerS ?? NaN), 2)}×`,
      `${fmt(r.serverCpuPercent, 0)}%`,
      `${fmt(r.mainBusyPercent, 0)}%`,
      fmt(r.mainCpuPerRequestUs, 0),
      `${fmt(r.loadCpuPercent, 0)}%`,
      `${fmt(r.othersCpuPercent, 0)}%`,
      r.meanBatch === undefined ? '–' : fmt(r.meanBatch, 1),
    ]),
  ),
)

await mkdir(new URL('./results/', import.meta.url), { recursive: true })
const categories = CLIENTS.map((c) => `${c} client${c === 1 ? '' : 's'}`)
const series = (pick: (r: Row) => number) =>
  (['tiffin', 'plain'] as const).map((server) => ({
    label: server,
    color: server === 'tiffin' ? '#2f7d4f' : '#c0392b',
    values: CLIENTS.map((clients) => pick(medianRound(server, clients))),
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

const tiffin64 = rows.find((r) => r.server === 'tiffin' && r.clients === 64)
const plain64 = plainAt(64)
if (tiffin64 && plain64) {
  console.log(
    JSON.stringify({
      bench: 'http',
      clients: 64,
      tiffin_rps: Math.round(tiffin64.requestsPerS),
      plain_rps: Math.round(plain64.requestsPerS),
      tiffin_p99_ms: Number(tiffin64.p99Ms.toFixed(2)),
      plain_p99_ms: Number(plain64.p99Ms.toFixed(2)),
    }),
  )
}
