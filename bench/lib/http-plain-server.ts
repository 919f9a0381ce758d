// What a user writes without tiffin: a Hono app on @hono/node-server, one onnxruntime-node session
// created at start with its default options, and one session.run per request.
// Usage (as a child of bench/http.ts): http-plain-server.ts MODEL.onnx
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import * as ort from 'onnxruntime-node'
import { reportToBench } from './http-process.js'

const modelPath = process.argv[2]
if (!modelPath) throw new Error('usage: http-plain-server.ts MODEL.onnx')

const session = await ort.InferenceSession.create(modelPath)

const app = new Hono()
app.post('/predict', async (c) => {
  const rows = await c.req.json<number[][]>()
  const x = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]?.length ?? 0])
  const { y } = await session.run({ x })
  const [n = 0, width = 0] = y!.dims
  const data = y!.data as Float32Array
  return c.json(Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * width, (i + 1) * width))))
})

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
server.once('listening', () => {
  const { port } = server.address() as AddressInfo
  const close = () => new Promise<void>((resolve) => server.close(() => void session.release().then(resolve)))
  reportToBench(`http://127.0.0.1:${port}`, 'plain: one onnxruntime-node InferenceSession, default options', close)
})
