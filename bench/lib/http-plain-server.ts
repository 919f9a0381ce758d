// What a user writes without tiffin: a Hono app on @hono/node-server, one onnxruntime-node session
// created at start with its default options, and one session.run per request. With `worker`, the
// session runs in a hand-written worker instead (bench/lib/hand-worker.ts, with tiffin's session options),
// one message each way per request: what keeping the model off the main thread costs with nothing of tiffin's.
// Usage (as a child of bench/http.ts): http-plain-server.ts MODEL.onnx [worker]
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { availableParallelism } from 'node:os'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import * as ort from 'onnxruntime-node'
import { startHandWorker } from './hand-worker.js'
import { reportToBench } from './http-process.js'

const [modelPath, mode] = process.argv.slice(2)
if (!modelPath) throw new Error('usage: http-plain-server.ts MODEL.onnx [worker]')

type Run = (x: {
  dtype: 'float32'
  dims: number[]
  data: Float32Array
}) => Promise<{ dims: readonly number[]; data: Float32Array }>
let run: Run
let release: () => Promise<void>
let info: string
if (mode === 'worker') {
  // As many threads as tiffin's runner gives its one worker's session: every core.
  const threads = availableParallelism()
  const hand = await startHandWorker(new Uint8Array(await readFile(modelPath)), threads)
  run = async (x) => {
    const data = await hand.run(x)
    return { dims: [x.dims[0]!, data.length / x.dims[0]!], data }
  }
  release = () => hand.close()
  info = `plain, session in a worker: one onnxruntime-node InferenceSession in a hand-written worker, ${threads} threads`
} else {
  const session = await ort.InferenceSession.create(modelPath)
  run = async (x) => {
    const { y } = await session.run({ x: new ort.Tensor('float32', x.data, x.dims) })
    return { dims: y!.dims, data: y!.data as Float32Array }
  }
  release = () => session.release()
  info = 'plain: one onnxruntime-node InferenceSession, default options'
}

const app = new Hono()
app.post('/predict', async (c) => {
  const rows = await c.req.json<number[][]>()
  const y = await run({
    dtype: 'float32',
    dims: [rows.length, rows[0]?.length ?? 0],
    data: Float32Array.from(rows.flat()),
  })
  const [n = 0, width = 0] = y.dims
  return c.json(Array.from({ length: n }, (_, i) => Array.from(y.data.subarray(i * width, (i + 1) * width))))
})

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
server.once('listening', () => {
  const { port } = server.address() as AddressInfo
  const close = () => new Promise<void>((resolve) => server.close(() => void release().then(resolve)))
  reportToBench(`http://127.0.0.1:${port}`, info, close)
})
