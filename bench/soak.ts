// npm run bench:soak [-- --seconds 60 --load 0.7 --max-in-flight 2000 --grace 10 --telemetry --rounds N]
// A soak test of tiffin over HTTP: the MLP service (bench/lib/http-tiffin-server.ts, in a child process)
// is first measured for capacity with a short closed-loop burst (autocannon, 64 connections), then held
// under an open-loop load of `--load` × that capacity for `--seconds`. Every answer is checked against
// mlpModel().reference for the row its request carried; requests still unanswered `--grace` seconds after
// the last one was due count as lost. The server's memory is read at the start and end of the soak.
// `--telemetry` soaks tiffin as it serves by default, with tracing on (with and without a context
// manager), and with JSON access lines (bench/lib/bench-telemetry.ts), in turn (`--rounds` times, each
// round starting with the next), all at the rate measured on the first, and prints them side by side.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileStore } from '../src/store/fs.js'
import { tensor } from '../src/tensor/tensor.js'
import { mlpModel } from '../test/fixtures/models.js'
import { telemetryEnv, type TelemetryPart } from './lib/bench-telemetry.js'
import { load, rowsJson, verify } from './lib/http-load.js'
import { startSoakServer, type Memory, type SoakServer } from './lib/soak-process.js'
import { soak, type SoakRow } from './lib/soak-load.js'
import { compare, report, type SoakRun } from './lib/soak-report.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    load: { type: 'string', default: '0.7' },
    'max-in-flight': { type: 'string', default: '2000' },
    grace: { type: 'string', default: '10' },
    'capacity-seconds': { type: 'string', default: '5' },
    telemetry: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
})
const seconds = Number(values.seconds)
const loadFactor = Number(values.load)
const maxInFlight = Number(values['max-in-flight'])
const graceMs = Number(values.grace) * 1000
const capacitySeconds = Number(values['capacity-seconds'])
const rounds = Number(values.rounds)
const MAX_BATCH_SIZE = 64
const MAX_LATENCY_MS = 100
const CAPACITY_CLIENTS = 64
// Distinct rows, used in turn: more than can be in flight at once, so no two concurrent requests carry
// the same row and an answer that belongs to another request is caught.
const ROWS = Math.max(2048, maxInFlight + 48)
const log = (line: string) => process.stderr.write(`${line}\n`)
const mb = (bytes: number) => bytes / 2 ** 20

const model = mlpModel()
log(`computing the reference for ${ROWS} distinct rows...`)
const rows: SoakRow[] = []
for (let offset = 0; offset < ROWS; offset += 256) {
  const n = Math.min(256, ROWS - offset)
  const x = model.sampleInputs(n, 50_000 + offset).x!
  const y = model.reference({ x }).y!
  const [inWidth, outWidth] = [x.dims[1]!, y.dims[1]!]
  for (let i = 0; i < n; i++) {
    const row = tensor('float32', [1, inWidth], (x.data as Float32Array).slice(i * inWidth, (i + 1) * inWidth))
    rows.push({
      body: rowsJson(row),
      expected: tensor('float32', [1, outWidth], (y.data as Float32Array).slice(i * outWidth, (i + 1) * outWidth)),
    })
  }
}
if (new Set(rows.map((r) => r.body)).size !== rows.length) throw new Error('the sample rows are not distinct')

const dir = await mkdtemp(join(tmpdir(), 'tiffin-bench-soak-'))
await fileStore(join(dir, 'store')).save('mlp', model.bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
const startServer = (name: string, telemetry: TelemetryPart[]) =>
  startSoakServer(
    name,
    new URL('./lib/soak-server.ts', import.meta.url),
    [join(dir, 'store'), String(MAX_BATCH_SIZE), String(MAX_LATENCY_MS)],
    telemetryEnv(telemetry),
  )
const variants: readonly { name: string; telemetry: TelemetryPart[] }[] = values.telemetry
  ? [
      { name: 'tiffin', telemetry: [] },
      { name: 'tiffin + tracing', telemetry: ['tracing'] },
      { name: '+ tracing, no context', telemetry: ['tracing-without-context'] },
      { name: 'tiffin + JSON log', telemetry: ['json-log'] },
    ]
  : [{ name: 'tiffin', telemetry: [] }]

let exitCode = 0
try {
  let rate: number | undefined
  let capacity = NaN
  const runs: SoakRun[] = []
  for (let round = 1; round <= (values.telemetry ? rounds : 1); round++) {
    // Each round starts with the next variant, so that none always runs first (or last) in a round.
    const order = variants.map((_, i) => variants[(i + round - 1) % variants.length]!)
    for (const { name, telemetry } of order) {
      const server = await startServer(name, telemetry)
      try {
        log(`${rounds > 1 ? `round ${round}: ` : ''}${server.info} at ${server.url} (pid ${server.pid})`)
        const idle = await server.memory()
        await verify(`${server.url}/predict`, model, 20)
        log('20 concurrent requests answered as the reference says')
        if (rate === undefined) {
          capacity = await measureCapacity(server)
          rate = Math.max(1, Math.round(capacity * loadFactor))
          log(`soaking at ${rate} req/s (${loadFactor} ×) for ${seconds} s`)
        }
        runs.push(await soakOnce(name, server, rate, idle))
      } finally {
        await server.stop()
      }
    }
  }
  const settings = {
    title: `MLP 256→3×1024→16 over HTTP, tiffin maxBatchSize ${MAX_BATCH_SIZE}, maxLatencyMs ${MAX_LATENCY_MS}; ${seconds} s open loop at ${rate} req/s (${loadFactor} × ${Math.round(capacity)} req/s measured)`,
    seconds,
    maxInFlight,
    graceMs,
  }
  if (values.telemetry) compare(runs, settings)
  else report(runs[0]!, settings)
} catch (error) {
  exitCode = 1
  throw error
} finally {
  await rm(dir, { recursive: true, force: true })
  process.exitCode = exitCode
}

/** Requests a second the server answers closed-loop, at CAPACITY_CLIENTS connections. */
async function measureCapacity(server: SoakServer): Promise<number> {
  const burst = await load(`${server.url}/predict`, rows[0]!.body, CAPACITY_CLIENTS, capacitySeconds, 1, () => {})
  log(
    `capacity: ${Math.round(burst.requestsPerS)} req/s closed-loop at ${CAPACITY_CLIENTS} connections for ${capacitySeconds} s ` +
      `(p99 ${burst.p99Ms.toFixed(1)} ms, ${burst.non2xx} non-2xx, ${burst.errors} errors)`,
  )
  await new Promise((resolve) => setTimeout(resolve, 500)) // let the burst's connections close
  return burst.requestsPerS
}

async function soakOnce(name: string, server: SoakServer, rate: number, idle: Memory): Promise<SoakRun> {
  const before = await server.stats()
  const memory: { at: string; m: Memory }[] = [
    { at: 'idle, after start', m: idle },
    { at: 'soak start', m: await server.memory() },
  ]
  const samples: Promise<void>[] = []
  const result = await soak({
    url: `${server.url}/predict`,
    rate,
    seconds,
    maxInFlight,
    graceMs,
    rows,
    maxSockets: 256,
    onSecond: (r, second) => {
      if (second % 5 === 0) {
        samples.push(
          server.memory().then((m) => {
            memory.push({ at: `${second} s`, m })
            log(
              `${name}, ${second} s: ${r.sent} sent, ${r.correct} correct, ${r.wrong} wrong, ${r.inFlight} in flight; RSS ${mb(m.procRss).toFixed(1)} MB, heap ${mb(m.heapUsed).toFixed(1)} MB`,
            )
          }),
        )
      }
    },
  })
  await Promise.all(samples)
  memory.push({ at: 'soak end (after answers)', m: await server.memory() })
  const after = await server.stats()
  for (const line of server.repeatedLines()) log(line)
  return { name, result, memory, before, after }
}
