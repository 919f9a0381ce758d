// Archives with bytes changed, cut short or both, imported into the file store: each is refused as bad
// input or damage and leaves the store as it was, or (when the change missed everything that matters, as
// in tar padding) imports exactly the original model. Nothing is ever written outside the store.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BadInput, Corrupted } from '../../src/errors.js'
import { fileStore } from '../../src/store/fs.js'
import type { ModelInfo } from '../../src/store/manifest.js'
import { bytesOf } from '../shared/store-suite.js'

let parent: string
let archive: Uint8Array
let original: ModelInfo

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'tiffin-archive-fuzz-'))
  const source = fileStore(join(parent, 'source'))
  original = await source.save('fuzzed', bytesOf(3000, 4), {
    files: { 'vocab.txt': new TextEncoder().encode('a\nb\nc\n') },
    version: 'v1',
  })
  archive = await source.export('fuzzed:v1')
})
afterAll(() => rm(parent, { recursive: true, force: true }))

const damaged = fc
  .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.option(fc.nat()))
  .filter(([patches, cut]) => patches.length > 0 || cut !== null)
  .map(([patches, cut]) => {
    const bytes = archive.slice()
    for (const [at, value] of patches) bytes[at % bytes.length] = value
    return cut === null ? bytes : bytes.subarray(0, cut % bytes.length)
  })

/** The archive with its last padding byte set: the last file's block, before the two blocks that end a tar. */
function paddingChanged(): Uint8Array {
  const bytes = archive.slice()
  bytes[bytes.length - 1024 - 1] = 0x55
  return bytes
}

describe('damaged archives', () => {
  it('are refused as bad input or damage, leaving the store as it was, or import exactly the original', async () => {
    let run = 0
    let imported = 0
    await fc.assert(
      fc.asyncProperty(damaged, async (bytes) => {
        const root = join(parent, `store-${run++}`)
        const store = fileStore(root)
        const kept = await store.save('kept', bytesOf(100, 1), { version: 'v1' })
        try {
          const info = await store.import(bytes)
          imported++
          expect(info).toEqual(original)
          expect((await store.verify('fuzzed:v1')).ok).toBe(true)
          expect(await store.list()).toEqual([original, kept])
        } catch (error) {
          if (!(error instanceof BadInput || error instanceof Corrupted)) throw error
          expect(await store.list()).toEqual([kept])
          // A refused import leaves no half-written version behind, hidden or not.
          expect(await readdir(join(root, 'models'))).toEqual(['kept'])
        }
        await rm(root, { recursive: true, force: true })
      }),
      // Always among the cases: a change in the padding after the last file, which must import the original.
      { numRuns: 300, examples: [[paddingChanged()]] },
    )
    expect(await readdir(parent)).toEqual(['source']) // nothing landed beside the stores
    expect(imported).toBeGreaterThan(0)
    expect(imported).toBeLessThan(run / 2)
  }, 60_000)
})
