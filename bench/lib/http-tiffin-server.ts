// The MLP as a tiffin service: one API, `predict`, taking float32 rows [-1, 256] and answering the
// model's output, through an ONNX runner that batches concurrent calls.
// Usage (as a child of bench/http.ts): http-tiffin-server.ts STORE_ROOT MAX_BATCH_SIZE MAX_LATENCY_MS [spinning]
// ($TIFFIN_BENCH_TELEMETRY turns tracing and JSON logging on: bench-telemetry.ts)
import { fileStore, io, onnxRunner, serve, Service } from '../../src/node.js'
import { benchTelemetry } from './bench-telemetry.js'
import { reportToBench } from './http-process.js'

const [storeRoot, maxBatchSize, maxLatencyMs, spinning] = process.argv.slice(2)
if (!storeRoot || !maxBatchSize || !maxLatencyMs)
  throw new Error('usage: http-tiffin-server.ts STORE_ROOT MAX_BATCH_SIZE MAX_LATENCY_MS [spinning]')

const mlp = onnxRunner('mlp', {
  maxBatchSize: Number(maxBatchSize),
  maxLatencyMs: Number(maxLatencyMs),
  runnableInitParams: { sessionOptions: { intraOpSpinning: spinning === 'spinning' } },
})

const service = new Service('mlp', { runners: [mlp] }).api(
  {
    name: 'predict',
    input: io.tensor({ dtype: 'float32', shape: [-1, 256], enforceShape: true }),
    output: io.tensor(),
  },
  async (x, { signal }) => (await mlp.run({ x }, { signal })).y!,
)

const { description, ...telemetry } = benchTelemetry()
const running = await serve(service, { port: 0, store: fileStore(storeRoot), ...telemetry })
const info = `tiffin${description ? ` (${description})` : ''}: ${mlp.placement?.reason}; ${mlp.notes.join('; ')}`

reportToBench(
  running.url,
  info,
  () => running.close(),
  () => {
    const m = mlp.metrics()[0]!
    return {
      batches: m.executions,
      items: m.batchSize.sum,
      executionMs: m.executionMs.sum,
      queueMs: m.queueMs.sum,
      rejected: m.rejections.deadline + m.rejections.queue_full,
      failures: m.failures,
    }
  },
)
