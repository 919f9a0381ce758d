// Each VAD stream run alone, one chunk at a time, straight on onnxruntime-node: the reference a batched
// runner's answers are compared with.
import { readFile } from 'node:fs/promises'
import * as ort from 'onnxruntime-node'
import { runStreams, VAD_MODEL_PATH } from '../fixtures/vad.js'

export async function vadReference(audio: readonly Float32Array[][]): Promise<number[][]> {
  const session = await ort.InferenceSession.create(await readFile(VAD_MODEL_PATH))
  try {
    const results: number[][] = []
    // One stream after another, so every run has batch 1 and nothing shares a session call.
    for (const stream of audio) {
      const [probabilities] = await runStreams([stream], async (feeds) => {
        const ortFeeds = Object.fromEntries(
          Object.entries(feeds).map(([name, t]) => [
            name,
            new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, [...t.dims]),
          ]),
        )
        const out = await session.run(ortFeeds)
        return Object.fromEntries(
          Object.entries(out).map(([name, t]) => [name, { dims: t.dims, data: t.data as Float32Array }]),
        )
      })
      results.push(probabilities!)
    }
    return results
  } finally {
    await session.release()
  }
}
