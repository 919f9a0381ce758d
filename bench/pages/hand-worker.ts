// The hand-written worker in Chromium (see bench/lib/hand-worker.ts): one onnxruntime-web session on
// WASM, one message in and one out per call.
import * as ort from 'onnxruntime-web'

let session: ort.InferenceSession | undefined
self.onmessage = async ({ data: message }: MessageEvent) => {
  if (message.bytes) {
    ort.env.wasm.numThreads = message.threads
    session = await ort.InferenceSession.create(message.bytes, {
      executionProviders: ['wasm'],
      logSeverityLevel: 3,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    })
    self.postMessage('ready')
    return
  }
  const outputs = await session!.run({ x: new ort.Tensor('float32', message.data, message.dims) })
  const y = (outputs.y!.data as Float32Array).slice()
  self.postMessage({ data: y }, { transfer: [y.buffer] })
}
