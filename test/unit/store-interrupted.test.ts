// A save or an import into the file store, interrupted at every file system call in turn: by an error
// (the store cleans up) or by a crash (every later call fails too, as in a process that died there).
// Whatever is left on disk, a fresh store never hands out a model that is not whole, and the models
// saved before are untouched.
import * as nodeFs from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileBackend, fileStore, type FileSystem } from '../../src/store/fs.js'
import type { ModelInfo } from '../../src/store/manifest.js'
import { ModelStore } from '../../src/store/model-store.js'
import { bytesOf } from '../shared/store-suite.js'

type Mode = 'error' | 'crash'
const CALLS = ['mkdir', 'mkdtemp', 'open', 'readdir', 'readFile', 'rename', 'rm', 'rmdir', 'stat', 'statfs'] as const
const HANDLE_CALLS = ['write', 'writeFile', 'sync'] as const

/**
 * node:fs/promises, failing at its `failAt`-th call (file handle calls included); in `crash` mode every
 * later call fails too. A failing write writes half its bytes first, as a write cut short does.
 */
function faultyFs(failAt: number, mode: Mode): { fs: FileSystem; calls: () => number } {
  let n = 0
  const step = (): boolean => {
    n++
    return n === failAt || (mode === 'crash' && n > failAt)
  }
  const injected = (name: string) =>
    Object.assign(new Error(`injected failure at call ${n} (${name})`), { code: 'EIO' })
  const handle = (real: FileHandle): FileHandle => {
    const wrapped: Partial<Record<string, unknown>> = {
      async write(chunk: Uint8Array) {
        if (!step()) return real.write(chunk)
        await real.write(chunk.subarray(0, chunk.length >> 1))
        throw injected('write')
      },
      // The descriptor is closed either way: a crashed process gives its descriptors back too.
      async close() {
        await real.close()
        if (step()) throw injected('close')
      },
    }
    for (const name of HANDLE_CALLS) {
      wrapped[name] ??= (...args: unknown[]) =>
        step() ? Promise.reject(injected(name)) : (real[name] as (...a: unknown[]) => unknown)(...args)
    }
    return new Proxy(real, { get: (target, prop) => wrapped[prop as string] ?? Reflect.get(target, prop) })
  }
  const fs: Partial<Record<string, unknown>> = {}
  for (const name of CALLS) {
    fs[name] = async (...args: unknown[]) => {
      if (step()) throw injected(name)
      const result: unknown = await (nodeFs[name] as (...a: unknown[]) => unknown)(...args)
      return name === 'open' ? handle(result as FileHandle) : result
    }
  }
  return { fs: fs as FileSystem, calls: () => n }
}

const model = bytesOf(300_000, 9)
const vocab = new TextEncoder().encode('the\nvocabulary\n')

/** The model as a stream of 64 KiB chunks: several writes, each a place to fail. */
const chunked = (): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      for (let i = 0; i < model.length; i += 65_536) controller.enqueue(model.slice(i, i + 65_536))
      controller.close()
    },
  })

const operations: Record<'save' | 'import', (store: ModelStore, archive: Uint8Array) => Promise<ModelInfo>> = {
  save: (store) => store.save('target', chunked(), { version: 'v2', files: { 'vocab.txt': vocab } }),
  import: (store, archive) => store.import(archive),
}

/** A store holding two earlier models: `kept:v1`, and `target:v1`, an older version of the one being written. */
async function storeWithEarlierModels(): Promise<string> {
  const root = await nodeFs.mkdtemp(join(tmpdir(), 'tiffin-interrupted-'))
  await fileStore(root).save('kept', bytesOf(5000, 1), { version: 'v1' })
  await fileStore(root).save('target', bytesOf(5000, 2), { version: 'v1' })
  return root
}

/** An archive of `target:v2`, made in a store of its own. */
async function targetArchive(): Promise<Uint8Array> {
  const source = fileStore(await nodeFs.mkdtemp(join(tmpdir(), 'tiffin-interrupted-src-')))
  await operations.save(source, new Uint8Array())
  return source.export('target:v2')
}

/** What a fresh store sees in `root` after the interruption. */
async function expectEarlierModelsOnly(root: string, mode: Mode, what: string): Promise<void> {
  const store = fileStore(root)
  expect(
    (await store.list()).map((i) => `${i.name}:${i.version}`),
    what,
  ).toEqual(['kept:v1', 'target:v1'])
  expect(await store.read('kept:v1'), what).toEqual(bytesOf(5000, 1))
  expect(await store.read('target:latest'), what).toEqual(bytesOf(5000, 2))
  // An error is cleaned up after; a crash may leave a hidden temporary folder, which nothing lists.
  const left = (await nodeFs.readdir(join(root, 'models', 'target'))).sort()
  if (mode === 'error') expect(left, what).toEqual(['v1'])
  else
    expect(
      left.filter((name) => !name.startsWith('.tmp-')),
      what,
    ).toEqual(['v1'])
  // The store takes the model again once the fault is gone.
  await operations.save(store, new Uint8Array())
  expect((await store.verify('target:latest')).ok, what).toBe(true)
}

describe('a file store interrupted at every file system call', () => {
  for (const [name, operation] of Object.entries(operations)) {
    it.each([
      ['an error', 'error'],
      ['a crash', 'crash'],
    ] as const)(
      `${name}, cut by %s at each call, leaves only the earlier models, whole`,
      async (_, mode) => {
        const archive = await targetArchive()
        // A run with no fault counts the calls, and shows the stand-in does no harm.
        const counting = faultyFs(Infinity, mode)
        const root = await storeWithEarlierModels()
        const info = await operation(new ModelStore(new FileBackend(root, counting.fs)), archive)
        expect((await fileStore(root).verify(`target:${info.version}`)).ok).toBe(true)
        const total = counting.calls()
        expect(total).toBeGreaterThanOrEqual(name === 'save' ? 16 : 12)

        for (let failAt = 1; failAt <= total; failAt++) {
          const root = await storeWithEarlierModels()
          const faulty = new ModelStore(new FileBackend(root, faultyFs(failAt, mode).fs))
          await expect(operation(faulty, archive), `failing at call ${failAt}`).rejects.toThrow(/injected failure/)
          await expectEarlierModelsOnly(root, mode, `${mode} at call ${failAt} of ${total}`)
          await nodeFs.rm(root, { recursive: true, force: true })
        }
      },
      60_000,
    )
  }
})
