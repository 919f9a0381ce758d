// What a user writes without tiffin to run a model off the calling thread: one worker with one session,
// a message to it and one back per call, no queue, no batching, no checks. Its time at one caller is the
// platform's own price for a worker hop; what a runner takes beyond it is tiffin's.
import { Worker } from 'node:worker_threads'
import type { Tensor } from '../../src/tensor/tensor.js'

/** The session options tiffin's ONNX runnable gives onnxruntime-node, so that only the way calls travel differs. */
export const runnerSessionOptions = (threads: number) => ({
  intraOpNumThreads: threads,
  logSeverityLevel: 3 as const,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
})

export interface HandWorker {
  run(x: Tensor): Promise<Float32Array>
  close(): Promise<void>
}

export async function startHandWorker(bytes: Uint8Array, threads: number): Promise<HandWorker> {
  const worker = new Worker(new URL('./hand-worker-thread.mjs', import.meta.url), {
    workerData: { bytes, sessionOptions: runnerSessionOptions(threads) },
  })
  await new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  // The worker runs its calls one after another (onnxruntime-node runs a session on the worker's thread),
  // so its answers come back in the order the calls went.
  const waiting: ((data: Float32Array) => void)[] = []
  worker.on('message', ({ data }: { data: Float32Array }) => waiting.shift()?.(data))
  return {
    run: (x) =>
      new Promise((resolve) => {
        waiting.push(resolve)
        worker.postMessage({ data: (x.data as Float32Array).slice(), dims: x.dims })
      }),
    close: () => worker.terminate().then(() => undefined),
  }
}
