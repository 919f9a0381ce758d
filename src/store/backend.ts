import type { ModelInfo } from './manifest.js'

/**
 * What a model store needs from where it keeps bytes. One implementation per runtime (files in Node,
 * IndexedDB in the browser); tag resolution, checksums and archives live in `ModelStore`, above it.
 */
export interface StoreBackend {
  /** A human-readable place, for messages ("/home/me/.tiffin", "IndexedDB tiffin"). */
  readonly location: string
  /** Names of the models that have at least one version. */
  names(): Promise<string[]>
  /** The raw `model.json` of every complete version of `name` (parsed JSON, not yet checked). */
  manifests(name: string): Promise<unknown[]>
  /** The bytes of one stored file. */
  readFile(name: string, version: string, file: string): Promise<Uint8Array>
  /** Starts writing a new version; nothing is visible until `commit`. */
  begin(name: string): Promise<PendingVersion>
  /** Removes a version at once; Not found when it is not there. */
  deleteVersion(name: string, version: string): Promise<void>
  /** Bytes used and available, where the runtime can tell. */
  usage(): Promise<StorageUsage | undefined>
}

export interface PendingVersion {
  writeFile(file: string, chunks: AsyncIterable<Uint8Array>): Promise<void>
  /** Makes the version visible all at once; `Conflict` when the version already exists. */
  commit(info: ModelInfo): Promise<void>
  /** Throws away everything written; safe to call after a failed commit. */
  abort(): Promise<void>
}

export interface StorageUsage {
  readonly usage: number
  readonly quota: number
}
