// Silero VAD v5, a model with state on axis 1 and a shared scalar, batched across 16 streams at once:
// through one runner on worker_threads, and through the README's VAD service, in process.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { onnxModels } from '../../src/onnx/models.js'
import type { Service } from '../../src/service/service.js'
import { fileStore } from '../../src/store/fs.js'
import type { ModelStore } from '../../src/store/model-store.js'
import { runStreams, VAD_BATCH_DIM, VAD_MODEL_PATH, vadAudio } from '../fixtures/vad.js'
import { readmeFiles } from '../support/readme.js'
import { vadReference } from '../support/vad-reference.js'

const audio = vadAudio(16, 20)
let expected: number[][]
let home: string
let store: ModelStore
let bytes: Uint8Array

const meanBatch = (h: { sum: number; count: number }): number => h.sum / h.count

function expectStreams(got: number[][]): void {
  expect(got).toHaveLength(expected.length)
  got.forEach((stream, s) =>
    stream.forEach((p, t) => expect(Math.abs(p - expected[s]![t]!), `stream ${s}, chunk ${t}`).toBeLessThan(1e-5)),
  )
}

beforeAll(async () => {
  expected = await vadReference(audio)
  home = await mkdtemp(join(tmpdir(), 'tiffin-vad-'))
  store = fileStore(home)
  bytes = new Uint8Array(await readFile(VAD_MODEL_PATH))
  await onnxModels(store).saveModel('silero-vad', bytes, {
    signatures: { run: { batchable: true, batchDim: VAD_BATCH_DIM } },
  })
}, 60_000)

afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

describe('Silero VAD, batched by name', () => {
  it('the reference moves: speech probabilities differ between loud and quiet chunks', () => {
    const all = expected.flat()
    expect(Math.max(...all) - Math.min(...all)).toBeGreaterThan(0.1)
  })

  it('16 streams of 20 chunks at once through one runner: each stream as if run alone, in batches above 4', async () => {
    const model = await onnxModels(store).get('silero-vad')
    const runner = model.toRunner({ workers: 1 })
    await runner.init({ platform: nodePlatform, store })
    try {
      expectStreams(await runStreams(audio, async (feeds) => (await runner.run(feeds as never)) as never))
      expect(meanBatch(runner.metrics()[0]!.batchSize)).toBeGreaterThan(4)
    } finally {
      await runner.shutdown()
    }
  }, 60_000)

  it("the README's VAD service answers 16 streams at once, each keeping its own state between calls", async () => {
    const dir = join(process.cwd(), '.tiffin-test')
    await mkdir(dir, { recursive: true })
    const file = join(dir, `vad-service-${process.pid}.ts`)
    await writeFile(file, readmeFiles('Adaptive batching')['vad-service.ts']!)
    const { default: service, vad } = (await import(file)) as {
      default: Service
      vad: { metrics(): { batchSize: { sum: number; count: number } }[] }
    }
    await service.init({ platform: nodePlatform, store })
    try {
      const got = await runStreams(audio, async (feeds) => {
        const state = feeds.state!.data as Float32Array
        const body = { audio: Array.from(feeds.input!.data as Float32Array), state: Array.from(state) }
        const response = await service.fetch(
          new Request('http://local/detect', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }),
        )
        const answer = (await response.json()) as { probability: number; state: number[] }
        return {
          output: { dims: [1, 1], data: [answer.probability] },
          stateN: { dims: [2, 1, 128], data: answer.state },
        }
      })
      expectStreams(got)
      expect(meanBatch(vad.metrics()[0]!.batchSize)).toBeGreaterThan(4)
    } finally {
      await service.shutdown()
      await rm(file, { force: true })
    }
  }, 60_000)

  it('a batch axis naming a tensor the model lacks, or a fixed dimension, stops the runner at start, saying which', async () => {
    const unknown = (
      await onnxModels(store).saveModel('vad-bad-name', bytes, {
        signatures: { run: { batchable: true, batchDim: [{ audio: 0 }, { output: 0 }] } },
      })
    ).toRunner({ workers: 1 })
    await expect(unknown.init({ platform: nodePlatform, store })).rejects.toThrow(
      /batchDim \{ audio: 0 \} names input "audio", which the model does not have; its inputs are input \(float32 \[\?, \?\]\), state \(float32 \[2, \?, 128\]\), sr \(int64 of any shape\); its outputs are output/,
    )
    const fixed = (
      await onnxModels(store).saveModel('vad-bad-axis', bytes, {
        signatures: {
          run: {
            batchable: true,
            batchDim: [
              { input: 0, state: 2 },
              { output: 0, stateN: 1 },
            ],
          },
        },
      })
    ).toRunner({ workers: 1 })
    await expect(fixed.init({ platform: nodePlatform, store })).rejects.toThrow(
      /puts input "state" on axis 2, which is fixed at 128 \(dims \[2, \?, 128\]\); a batch axis must be a symbolic dimension/,
    )
  }, 60_000)
})
