import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { DEFAULTS } from '../defaults.js'
import { Conflict, NotFound, StorageFull } from '../errors.js'
import type { PendingVersion, StorageUsage, StoreBackend } from './backend.js'
import type { ModelInfo } from './manifest.js'
import { ModelStore } from './model-store.js'

interface StoreSchema extends DBSchema {
  manifests: { key: [string, string]; value: ModelInfo; indexes: { name: string } }
  /** Bytes are kept as Blobs: Chromium refuses single values above ~133 MB, but Blobs live on disk. */
  files: { key: [string, string, string]; value: { name: string; version: string; file: string; blob: Blob } }
}

export interface IndexedDBStoreOptions {
  /** The database name; defaults to `tiffin`. */
  readonly database?: string
}

/** A model store in IndexedDB: one record per version, one Blob per file, each save one transaction. */
export function indexedDBStore(options: IndexedDBStoreOptions = {}): ModelStore {
  return new ModelStore(new IndexedDBBackend(options.database ?? DEFAULTS.indexedDBName))
}

/** The channel on which every thread of an origin (pages, workers, Service Workers) hears of a save to a database. */
const savesChannel = (database: string): string => `tiffin-store:${database}`

function announceSave(database: string, tag: string): void {
  if (typeof BroadcastChannel === 'undefined') return
  const channel = new BroadcastChannel(savesChannel(database))
  channel.postMessage({ saved: tag })
  channel.close()
}

/**
 * Calls `listener` whenever another thread of this origin saves a model into `database` (a page saving a
 * model a Service Worker's runner waits for). Returns a function that stops listening.
 */
export function watchSaves(database: string, listener: (tag: string) => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => undefined
  const channel = new BroadcastChannel(savesChannel(database))
  channel.onmessage = (event: MessageEvent) => {
    const tag = (event.data as { saved?: unknown } | null)?.saved
    if (typeof tag === 'string') listener(tag)
  }
  return () => channel.close()
}

const isQuotaError = (error: unknown): boolean => (error as DOMException | null)?.name === 'QuotaExceededError'

export class IndexedDBBackend implements StoreBackend {
  private db: Promise<IDBPDatabase<StoreSchema>> | undefined

  constructor(readonly database: string) {}

  get location(): string {
    return `IndexedDB "${this.database}"`
  }

  private open(): Promise<IDBPDatabase<StoreSchema>> {
    this.db ??= openDB<StoreSchema>(this.database, 1, {
      upgrade(db) {
        db.createObjectStore('manifests', { keyPath: ['name', 'version'] }).createIndex('name', 'name')
        db.createObjectStore('files', { keyPath: ['name', 'version', 'file'] })
      },
    })
    return this.db
  }

  async names(): Promise<string[]> {
    const keys = await (await this.open()).getAllKeys('manifests')
    return [...new Set(keys.map(([name]) => name))]
  }

  async manifests(name: string): Promise<unknown[]> {
    return (await this.open()).getAllFromIndex('manifests', 'name', name)
  }

  async readFile(name: string, version: string, file: string): Promise<Uint8Array> {
    const record = await (await this.open()).get('files', [name, version, file])
    if (!record) throw new NotFound(`${name}:${version} has no file "${file}" in ${this.location}`)
    return new Uint8Array(await record.blob.arrayBuffer())
  }

  async begin(name: string): Promise<PendingVersion> {
    const db = await this.open()
    const blobs = new Map<string, Blob>()
    return {
      async writeFile(file, chunks) {
        const parts: Uint8Array<ArrayBuffer>[] = []
        for await (const chunk of chunks) parts.push(new Uint8Array(chunk))
        blobs.set(file, new Blob(parts))
      },
      commit: async (info: ModelInfo) => {
        const tx = db.transaction(['manifests', 'files'], 'readwrite')
        try {
          // `add`, not `put`: a version that already exists fails the whole transaction.
          await Promise.all([
            tx.objectStore('manifests').add(info),
            ...[...blobs].map(([file, blob]) =>
              tx.objectStore('files').add({ name, version: info.version, file, blob }),
            ),
            tx.done,
          ])
        } catch (error) {
          if ((error as DOMException | null)?.name === 'ConstraintError')
            throw new Conflict(`${name}:${info.version} already exists`)
          if (isQuotaError(error) || isQuotaError(tx.error)) {
            throw new StorageFull(
              `The browser's storage quota is full; ${name}:${info.version} was not saved and earlier models are intact`,
              { cause: error },
            )
          }
          throw error
        }
        announceSave(this.database, `${name}:${info.version}`)
      },
      async abort() {
        blobs.clear()
      },
    }
  }

  async deleteVersion(name: string, version: string): Promise<void> {
    const tx = (await this.open()).transaction(['manifests', 'files'], 'readwrite')
    const manifests = tx.objectStore('manifests')
    if (!(await manifests.getKey([name, version]))) throw new NotFound(`${name}:${version} is not in the store`)
    await Promise.all([
      manifests.delete([name, version]),
      tx.objectStore('files').delete(IDBKeyRange.bound([name, version, ''], [name, version, '\uffff'])),
      tx.done,
    ])
  }

  async usage(): Promise<StorageUsage | undefined> {
    if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return undefined
    const { usage = 0, quota = 0 } = await navigator.storage.estimate()
    return { usage, quota }
  }

  /** Closes the connection, so the database can be deleted or upgraded. */
  async close(): Promise<void> {
    if (this.db) (await this.db).close()
    this.db = undefined
  }
}
