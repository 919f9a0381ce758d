// npm run bench:soak [-- --seconds 60 --load 0.7 --max-in-flight 2000 --grace 10]
// A soak test of tiffin over HTTP: the MLP service (bench/lib/http-tiffin-server.ts, in a child process)
// is first measured for capacity with a short closed-loop burst (autocannon, 64 connections), then held
// under an open-loop load of `--load` × that capacity for `--seconds`. Every answer is checked against
// mlpModel().reference for the row its request carried; requests still unanswered `--grace` seconds after
// the last one was due count as lost. The server's memory is read at the start and end of the soak.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileStore } from '../src/store/fs.js'
import { tensor } from '../src/tensor/tensor.js'
import { mlpModel } from '../test/fixtures/models.js'
import { load, rowsJson, verify } from './lib/http-load.js'
import { startSoakServer, type Memory } from './lib/soak-process.js'
import { soak, type SoakRow } from './lib/soak-load.js'
import { fmt, quantile, table } from './lib/stats.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    load: { type: 'string', default: '0.7' },
    'max-in-flight': { type: 'string', default: '2000' },
    grace: { type: 'string', default: '10' },
    'capacity-seconds': { type: 'string', default: '5' },
  },
})
const seconds = Number(values.seconds)
const loadFactor = Number(values.load)
const maxInFlight = Number(values['max-in-flight'])
const graceMs = Number(values.grace) * 1000
const capacitySeconds = Number(values['capacity-seconds'])
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
const server = await startSoakServer('tiffin', new URL('./lib/soak-server.ts', import.meta.url), [
  join(dir, 'store'),
  String(MAX_BATCH_SIZE),
  String(MAX_LATENCY_MS),
])
let exitCode = 0
try {
  log(`${server.info} at ${server.url} (pid ${server.pid})`)
  const url = `${server.url}/predict`
  const idle = await server.memory()
  await verify(url, model, 20)
  log('20 concurrent requests answered as the reference says')

  const burst = await load(url, rows[0]!.body, CAPACITY_CLIENTS, capacitySeconds, 1, () => {})
  const capacity = burst.requestsPerS
  const rate = Math.max(1, Math.round(capacity * loadFactor))
  log(
    `capacity: ${Math.round(capacity)} req/s closed-loop at ${CAPACITY_CLIENTS} connections for ${capacitySeconds} s ` +
      `(p99 ${burst.p99Ms.toFixed(1)} ms, ${burst.non2xx} non-2xx, ${burst.errors} errors); soaking at ${rate} req/s (${loadFactor} ×) for ${seconds} s`,
  )
  await new Promise((resolve) => setTimeout(resolve, 500)) // let the burst's connections close

  const statsBefore = await server.stats()
  const memory: { at: string; m: Memory }[] = [
    { at: 'idle, after start', m: idle },
    { at: 'soak start', m: await server.memory() },
  ]
  const samples: Promise<void>[] = []
  const result = await soak({
    url,
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
              `${second} s: ${r.sent} sent, ${r.correct} correct, ${r.wrong} wrong, ${r.inFlight} in flight; RSS ${mb(m.procRss).toFixed(1)} MB, heap ${mb(m.heapUsed).toFixed(1)} MB`,
            )
          }),
        )
      }
    },
  })
  await Promise.all(samples)
  const end = await server.memory()
  memory.push({ at: 'soak end (after answers)', m: end })
  const statsAfter = await server.stats()
  for (const line of server.repeatedLines()) log(line)

  const start = memory[1]!.m
  const failedByStatus = Object.values(result.byStatus).reduce((a, b) => a + b, 0)
  const errors = result.wrong + failedByStatus + result.networkErrors
  const p50 = quantile(result.latenciesMs, 0.5)
  const p99 = quantile(result.latenciesMs, 0.99)
  const rssGrowth = mb(end.procRss - start.procRss)
  const delta = (key: string) => (statsAfter.extra?.[key] ?? NaN) - (statsBefore.extra?.[key] ?? NaN)

  console.log(
    `\nSoak: MLP 256→3×1024→16 over HTTP, tiffin maxBatchSize ${MAX_BATCH_SIZE}, maxLatencyMs ${MAX_LATENCY_MS}; ${seconds} s open loop at ${rate} req/s (${loadFactor} × ${Math.round(capacity)} req/s measured)`,
  )
  console.log(
    table(
      ['', 'value'],
      [
        ['requests due', fmt(result.sent + result.skipped, 0)],
        ['requests sent', fmt(result.sent, 0)],
        [`not sent (${maxInFlight} in flight)`, fmt(result.skipped, 0)],
        ['answered correctly', fmt(result.correct, 0)],
        ['wrong answers', fmt(result.wrong, 0)],
        ...Object.entries(result.byStatus).map(([code, n]) => [`failed: status ${code}`, fmt(n, 0)]),
        ['failed: network errors', fmt(result.networkErrors, 0)],
        [`lost (unanswered after ${graceMs / 1000} s grace)`, fmt(result.lost, 0)],
        ['most in flight', fmt(result.maxInFlightSeen, 0)],
        ['p50 latency ms', fmt(p50, 2)],
        ['p99 latency ms', fmt(p99, 2)],
        [
          'max latency ms',
          fmt(
            result.latenciesMs.reduce((a, b) => Math.max(a, b), 0),
            2,
          ),
        ],
        ['mean batch (server)', fmt(delta('items') / delta('batches'), 1)],
        ['refused by the runner', fmt(delta('rejected'), 0)],
        ['runner failures', fmt(delta('failures'), 0)],
      ],
    ),
  )
  console.log(
    '\n' +
      table(
        [
          'server memory',
          'RSS MB (/proc)',
          'RSS MB (node)',
          'JS heap used MB',
          'heap total MB',
          'external MB',
          'array buffers MB',
        ],
        memory.map(({ at, m }) => [
          at,
          fmt(mb(m.procRss), 1),
          fmt(mb(m.rss), 1),
          fmt(mb(m.heapUsed), 1),
          fmt(mb(m.heapTotal), 1),
          fmt(mb(m.external), 1),
          fmt(mb(m.arrayBuffers), 1),
        ]),
      ),
  )
  console.log(
    `RSS growth over the soak: ${rssGrowth.toFixed(1)} MB; JS heap: ${mb(end.heapUsed - start.heapUsed).toFixed(1)} MB (no forced GC: the heap figure includes garbage not yet collected)`,
  )
  const failedSeconds = result.failuresBySecond.map((n, s) => [s, n] as const).filter(([, n]) => n > 0)
  if (failedSeconds.length > 0)
    console.log(
      `\nfailures by second of the soak (when due): ${failedSeconds.map(([s, n]) => `${s} s: ${n}`).join(', ')}`,
    )
  if (result.examples.length > 0) console.log(`\nfirst failures:\n${result.examples.map((e) => `  ${e}`).join('\n')}`)
  console.log(
    JSON.stringify({
      bench: 'soak',
      seconds,
      requests: result.sent,
      correct: result.correct,
      errors,
      lost: result.lost,
      p99_ms: Number(p99.toFixed(2)),
      rss_growth_mb: Number(rssGrowth.toFixed(1)),
    }),
  )
} catch (error) {
  exitCode = 1
  throw error
} finally {
  await server.stop()
  await rm(dir, { recursive: true, force: true })
  process.exitCode = exitCode
}
