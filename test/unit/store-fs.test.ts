import { mkdtemp, readFile, writeFile, readdir, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileStore, tiffinHome } from '../../src/store/fs.js'
import { bytesOf, storeCases, type StoreHarness } from '../shared/store-suite.js'

const roots = new Map<object, string>()
const harness: StoreHarness = {
  async fresh() {
    const root = await mkdtemp(join(tmpdir(), 'tiffin-store-'))
    const store = fileStore(root)
    roots.set(store, root)
    return store
  },
  async flipByte(store, name, version, file, offset) {
    const path = join(roots.get(store)!, 'models', name, version, file)
    const bytes = await readFile(path)
    bytes[offset]! ^= 0xff
    await writeFile(path, bytes)
  },
}

describe('file model store (shared suite)', () => {
  for (const c of storeCases) it(c.name, () => c.run(harness))
})

describe('file model store on disk', () => {
  it('lives in $TIFFIN_HOME, else ~/.tiffin', () => {
    expect(tiffinHome({ TIFFIN_HOME: '/srv/models' })).toBe('/srv/models')
    expect(tiffinHome({})).toMatch(/\.tiffin$/)
  })

  it('keeps each version in models/<name>/<version>/ with model.json beside the model file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tiffin-store-'))
    const info = await fileStore(root).save('disk', bytesOf(1000), { files: { 'keys.txt': bytesOf(5) } })
    const dir = join(root, 'models', 'disk', info.version)
    expect((await readdir(dir)).sort()).toEqual(['keys.txt', 'model.json', 'model.onnx'])
    expect(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'))).toEqual(info)
    expect(info).toMatchObject({ name: 'disk', format: 'onnx', file: 'model.onnx', size: 1000 })
  })

  it('a version interrupted before its rename, or without a readable model.json, is never handed out', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tiffin-store-'))
    const store = fileStore(root)
    const good = await store.save('crash', bytesOf(100))
    // What a crash leaves: a temp folder mid-write, and a version folder whose manifest was cut short.
    await mkdir(join(root, 'models', 'crash', '.tmp-abc123'))
    await writeFile(join(root, 'models', 'crash', '.tmp-abc123', 'model.onnx'), bytesOf(50))
    await mkdir(join(root, 'models', 'crash', 'zzzz-newer'))
    await writeFile(join(root, 'models', 'crash', 'zzzz-newer', 'model.json'), '{"name":"crash","vers')
    expect(await store.list()).toEqual([good])
    expect(await store.get('crash:latest')).toEqual(good)
  })

  it('reports the bytes it uses', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tiffin-store-'))
    const store = fileStore(root)
    await store.save('u', bytesOf(10_000))
    const usage = await store.usage()
    expect(usage!.usage).toBeGreaterThanOrEqual(10_000)
    expect(usage!.quota).toBeGreaterThan(usage!.usage)
  })
})
