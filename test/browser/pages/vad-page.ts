// Silero VAD in a page: 16 streams at once through one ONNX runner on a WASM Web Worker, batched by name.
import { browserPlatform } from '../../../src/adapters/browser/platform.js'
import { onnxModels } from '../../../src/onnx/models.js'
import { indexedDBStore } from '../../../src/store/idb.js'
import { runStreams, VAD_BATCH_DIM, VAD_MODEL_PATH, vadAudio } from '../../fixtures/vad.js'

const api = {
  async run(streams: number, chunks: number) {
    const store = indexedDBStore({ database: `vad-${crypto.randomUUID()}` })
    const bytes = await (await fetch(`/${VAD_MODEL_PATH}`)).blob()
    const model = await onnxModels(store).saveModel('silero-vad', bytes, {
      signatures: { run: { batchable: true, batchDim: VAD_BATCH_DIM } },
    })
    const runner = model.toRunner({ workers: 1, resource: 'wasm' })
    await runner.init({ platform: browserPlatform, store })
    try {
      const probabilities = await runStreams(
        vadAudio(streams, chunks),
        async (feeds) => (await runner.run(feeds as never)) as never,
      )
      const { sum, count } = runner.metrics()[0]!.batchSize
      return { probabilities, meanBatch: sum / count, notes: runner.notes }
    } finally {
      await runner.shutdown()
    }
  },
}

declare global {
  interface Window {
    vadTest: typeof api
  }
}
window.vadTest = api
