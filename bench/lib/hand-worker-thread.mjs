// The hand-written worker of bench/lib/hand-worker.ts in Node: one onnxruntime-node session, one
// message in and one out per call. Plain JavaScript, so that it runs without a TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads'
import * as ort from 'onnxruntime-node'

const { bytes, sessionOptions } = workerData
const session = await ort.InferenceSession.create(bytes, sessionOptions)
parentPort.on('message', async ({ data, dims }) => {
  const outputs = await session.run({ x: new ort.Tensor('float32', data, dims) })
  const y = outputs.y.data.slice()
  parentPort.postMessage({ data: y, dims: outputs.y.dims }, [y.buffer])
})
parentPort.postMessage('ready')
