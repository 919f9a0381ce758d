import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { importOcrModels, OCR_FILES, type OcrFile } from '../../demo/ocr/import-models.js'
import { KEYS_FILE } from '../../demo/ocr/recognizer.js'
import { fileStore } from '../../src/store/fs.js'

const roots: string[] = []
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })))
})

async function emptyStore() {
  const root = await mkdtemp(join(tmpdir(), 'tiffin-ocr-import-'))
  roots.push(root)
  return fileStore(root)
}

/** Stand-in bytes for each file (the store does not parse models), and a record of what was read. */
function files() {
  const read: OcrFile[] = []
  return { read, readFile: (file: OcrFile) => (read.push(file), new TextEncoder().encode(`bytes of ${file}`)) }
}

describe('importing the OCR models', () => {
  it('saves the three models under the service’s names, with their signatures, the recogniser with its dictionary', async () => {
    const store = await emptyStore()
    const { read, readFile } = files()
    const imported = await importOcrModels(store, readFile)
    expect(imported.map(({ info, saved }) => [info.name, saved])).toEqual([
      ['ocr-det', true],
      ['ocr-cls', true],
      ['ocr-rec', true],
    ])
    expect(read.sort()).toEqual(Object.values(OCR_FILES).sort())
    const [det, cls, rec] = imported.map(({ info }) => info)
    expect(det!.signatures.run).toMatchObject({ batchable: false })
    expect(cls!.signatures.run).toMatchObject({ batchable: true, batchDim: [0, 0] })
    expect(rec!.signatures.run).toMatchObject({ batchable: true, batchDim: [0, 0] })
    expect(new TextDecoder().decode(await store.read(rec!, KEYS_FILE))).toBe(`bytes of ${OCR_FILES.keys}`)
    expect(new TextDecoder().decode(await store.read('ocr-det:latest'))).toBe(`bytes of ${OCR_FILES.det}`)
    expect(det!.labels).toEqual({ source: 'paddleocr' })
  })

  it('leaves models already there alone, reading nothing', async () => {
    const store = await emptyStore()
    const first = await importOcrModels(store, files().readFile)
    const { read, readFile } = files()
    const again = await importOcrModels(store, readFile)
    expect(read).toEqual([])
    expect(again.map(({ info, saved }) => [info.version, saved])).toEqual(
      first.map(({ info }) => [info.version, false]),
    )
  })

  it('saves a new recogniser when the one there lacks its dictionary', async () => {
    const store = await emptyStore()
    await importOcrModels(store, files().readFile)
    await store.save('ocr-rec', new Uint8Array([1, 2, 3])) // the newest version, without a dictionary
    expect((await store.get('ocr-rec')).files[KEYS_FILE]).toBeUndefined()
    const { read, readFile } = files()
    const imported = await importOcrModels(store, readFile)
    expect(imported.map(({ saved }) => saved)).toEqual([false, false, true])
    expect(read).toEqual([OCR_FILES.rec, OCR_FILES.keys])
    expect((await store.get('ocr-rec')).files[KEYS_FILE]).toBeDefined()
  })
})
