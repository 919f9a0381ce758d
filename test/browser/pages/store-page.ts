// Runs the shared model-store suite against the IndexedDB store, case by case, for store.spec.ts.
import { openDB } from 'idb'
import { indexedDBStore } from '../../../src/store/idb.js'
import type { ModelStore } from '../../../src/store/model-store.js'
import { bytesOf, storeCases, type StoreHarness } from '../../shared/store-suite.js'

const databases = new Map<ModelStore, string>()

const harness: StoreHarness = {
  async fresh() {
    const database = `test-${crypto.randomUUID()}`
    const store = indexedDBStore({ database })
    databases.set(store, database)
    return store
  },
  async flipByte(store, name, version, file, offset) {
    const db = await openDB(databases.get(store)!)
    const record = await db.get('files', [name, version, file])
    const bytes = new Uint8Array(await (record.blob as Blob).arrayBuffer())
    bytes[offset]! ^= 0xff
    await db.put('files', { ...record, blob: new Blob([bytes]) })
    db.close()
  },
}

const toBase64 = (bytes: Uint8Array): string => {
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(text)
}
const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

const api = {
  async runStoreCase(name: string): Promise<string> {
    const found = storeCases.find((c) => c.name === name)
    if (!found) return `no such case: ${name}`
    try {
      await found.run(harness)
      return 'ok'
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`
    }
  },
  /** Imports an archive (base64) into a fresh store, and exports it again. */
  async roundTrip(archive: string): Promise<{ sha256: string; archive: string }> {
    const store = await harness.fresh()
    const info = await store.import(fromBase64(archive))
    return { sha256: info.sha256, archive: toBase64(await store.export(`${info.name}:${info.version}`)) }
  },
  /** Saves a small model, then one larger than the quota; reports what each step saw. */
  async overQuota(
    bytes: number,
  ): Promise<{ error: string; code: string; kept: boolean; usage: number; quota: number }> {
    const store = await harness.fresh()
    const small = await store.save('small', bytesOf(10_000))
    let error = ''
    let code = ''
    try {
      await store.save('huge', bytesOf(bytes))
    } catch (e) {
      error = (e as Error).message
      code = (e as { code?: string }).code ?? ''
    }
    const kept =
      (await store.verify('small')).ok &&
      (await store.list()).length === 1 &&
      (await store.get('small')).sha256 === small.sha256
    const usage = (await store.usage())!
    return { error, code, kept, ...usage }
  },
}

declare global {
  interface Window {
    tiffinTest: typeof api
  }
}
window.tiffinTest = api
