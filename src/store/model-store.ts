import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { BatchDim } from '../batch-axes.js'
import { BadInput, Conflict, Corrupted, NotFound } from '../errors.js'
import { newVersion, parseTag, resolveVersion, validateTagPart } from '../tag.js'
import { packArchive, unpackArchive } from './archive.js'
import type { PendingVersion, StorageUsage, StoreBackend } from './backend.js'
import {
  normaliseSignature,
  parseManifest,
  validateFileName,
  type MethodSignature,
  type ModelFormat,
  type ModelInfo,
  type StoredFile,
} from './manifest.js'
import { openSource, readAll, type ModelSource } from './source.js'

export interface SaveProgress {
  readonly file: string
  readonly loaded: number
  /** `undefined` when the source does not say how long it is (a stream). */
  readonly total: number | undefined
}

export interface SignatureOptions {
  readonly batchable?: boolean
  /** The batch axis, `[inputAxis, outputAxis]`, or axes by tensor name (`[{ input: 0, state: 1 }, { output: 0 }]`). */
  readonly batchDim?: BatchDim
}

export interface SaveOptions {
  /** Defaults to a new time-ordered version. */
  readonly version?: string
  readonly format?: ModelFormat
  /** The main file's name; defaults to `model.onnx`. */
  readonly file?: string
  /** Files saved beside the model (a vocabulary, external weights). */
  readonly files?: Readonly<Record<string, ModelSource>>
  /** Defaults to one method, `run`, not batchable. */
  readonly signatures?: Readonly<Record<string, SignatureOptions>>
  readonly labels?: Readonly<Record<string, string>>
  readonly metadata?: Readonly<Record<string, unknown>>
  readonly onProgress?: (progress: SaveProgress) => void
  readonly signal?: AbortSignal
}

export interface VerifyReport {
  readonly tag: string
  readonly ok: boolean
  /** One line per file that is missing or fails its checksum. */
  readonly problems: readonly string[]
}

export function tagOf(info: Pick<ModelInfo, 'name' | 'version'>): string {
  return `${info.name}:${info.version}`
}

const sha256Hex = (bytes: Uint8Array): string => bytesToHex(sha256(bytes))

/**
 * Versioned models by tag, over any backend. Saves are atomic, `latest` is always the newest complete
 * version, and bytes are checked against their sha256 whenever they are read.
 */
export class ModelStore {
  constructor(readonly backend: StoreBackend) {}

  get location(): string {
    return this.backend.location
  }

  async save(name: string, source: ModelSource, options: SaveOptions = {}): Promise<ModelInfo> {
    validateTagPart(name, 'name')
    const version = options.version ?? newVersion()
    validateTagPart(version, 'version')
    if (version === 'latest') throw new BadInput('"latest" names the newest version and cannot be a version itself')
    const main = validateFileName(options.file ?? 'model.onnx')
    const sources: [string, ModelSource][] = [[main, source]]
    for (const [file, extra] of Object.entries(options.files ?? {})) {
      if (file === main) throw new BadInput(`"${file}" is the main model file and cannot also be an extra file`)
      sources.push([validateFileName(file), extra])
    }
    const signatures = this.signatures(options.signatures)
    const labels = checkLabels(options.labels ?? {})
    const metadata = toJson(options.metadata ?? {}, 'metadata') as Record<string, unknown>

    const pending = await this.backend.begin(name)
    try {
      const files: Record<string, StoredFile> = {}
      for (const [file, fileSource] of sources) files[file] = await this.writeFile(pending, file, fileSource, options)
      const info: ModelInfo = {
        name,
        version,
        format: options.format ?? 'onnx',
        file: main,
        size: files[main]!.size,
        sha256: files[main]!.sha256,
        files,
        signatures,
        labels,
        metadata,
        createdAt: new Date().toISOString(),
      }
      await pending.commit(info)
      return info
    } catch (error) {
      await pending.abort().catch(() => undefined) // the failure that matters is the first one
      throw error
    }
  }

  /** The version a tag names: `name`, `name:latest`, `name:version` or `name:versionPrefix`. */
  async get(tag: string): Promise<ModelInfo> {
    const parsed = parseTag(tag)
    return resolveVersion(parsed, await this.versions(parsed.name))
  }

  /** Every version of one model, or of all models, oldest first within a name. */
  async list(name?: string): Promise<ModelInfo[]> {
    const names = name === undefined ? (await this.backend.names()).sort() : [validateTagPart(name, 'name')]
    const all: ModelInfo[] = []
    for (const n of names) all.push(...(await this.versions(n)))
    return all
  }

  /** The bytes of a model file (the main one by default), refused when they fail their checksum. */
  async read(model: string | ModelInfo, file?: string): Promise<Uint8Array> {
    const info = typeof model === 'string' ? await this.get(model) : model
    const name = file ?? info.file
    const expected = info.files[name]
    if (!expected)
      throw new NotFound(`${tagOf(info)} has no file "${name}"; it has ${Object.keys(info.files).join(', ')}`)
    const bytes = await this.backend.readFile(info.name, info.version, name)
    if (bytes.length !== expected.size || sha256Hex(bytes) !== expected.sha256) {
      throw new Corrupted(
        `${tagOf(info)}: "${name}" does not match its sha256 (stored bytes are damaged); import or save the model again`,
      )
    }
    return bytes
  }

  /** Checks every file of a version against its recorded size and sha256. */
  async verify(tag: string): Promise<VerifyReport> {
    const info = await this.get(tag)
    const problems: string[] = []
    for (const file of Object.keys(info.files)) {
      try {
        await this.read(info, file)
      } catch (error) {
        problems.push(error instanceof Corrupted ? `${file}: sha256 mismatch` : `${file}: ${(error as Error).message}`)
      }
    }
    return { tag: tagOf(info), ok: problems.length === 0, problems }
  }

  /** Deletes one version; `name:latest` then names the newest remaining one. */
  async delete(tag: string): Promise<ModelInfo> {
    const info = await this.get(tag)
    await this.backend.deleteVersion(info.name, info.version)
    return info
  }

  /** One `.tiffin-model` archive (a tar) holding the manifest and files, checked as it is built. */
  async export(tag: string): Promise<Uint8Array> {
    const info = await this.get(tag)
    const files = new Map<string, Uint8Array>()
    for (const file of Object.keys(info.files)) files.set(file, await this.read(info, file))
    return packArchive(info, files)
  }

  /**
   * Imports an archive as the version it names. Importing a version already present with the same
   * bytes returns it; a different model under the same tag is a conflict.
   */
  async import(archive: ModelSource): Promise<ModelInfo> {
    const { info, files } = unpackArchive(await readAll(archive))
    for (const [file, expected] of Object.entries(info.files)) {
      const bytes = files.get(file)!
      if (bytes.length !== expected.size || sha256Hex(bytes) !== expected.sha256) {
        throw new Corrupted(
          `The archive's "${file}" does not match the sha256 in its manifest; it is damaged or truncated`,
        )
      }
    }
    const existing = (await this.versions(info.name)).find((v) => v.version === info.version)
    if (existing) {
      if (existing.sha256 === info.sha256) return existing
      throw new Conflict(`${tagOf(info)} is already in the store with different bytes; delete it first`)
    }
    const pending = await this.backend.begin(info.name)
    try {
      for (const [file, bytes] of files) await pending.writeFile(file, single(bytes))
      await pending.commit(info)
      return info
    } catch (error) {
      await pending.abort().catch(() => undefined) // the failure that matters is the first one
      throw error
    }
  }

  usage(): Promise<StorageUsage | undefined> {
    return this.backend.usage()
  }

  private async versions(name: string): Promise<ModelInfo[]> {
    const raw = await this.backend.manifests(name)
    const infos: ModelInfo[] = []
    for (const manifest of raw) {
      try {
        const info = parseManifest(manifest, `${name} in ${this.location}`)
        if (info.name === name) infos.push(info)
      } catch (error) {
        // A damaged manifest is never handed out; the version stays invisible until it is deleted by hand.
        if (!(error instanceof Corrupted)) throw error
      }
    }
    return infos.sort((a, b) =>
      a.createdAt === b.createdAt ? (a.version < b.version ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1,
    )
  }

  private signatures(given: SaveOptions['signatures']): Record<string, MethodSignature> {
    const entries = Object.entries(given ?? { run: {} })
    if (entries.length === 0) throw new BadInput('A model needs at least one signature (a method such as "run")')
    return Object.fromEntries(entries.map(([method, sig]) => [method, normaliseSignature(method, sig)]))
  }

  private async writeFile(
    pending: PendingVersion,
    file: string,
    source: ModelSource,
    options: SaveOptions,
  ): Promise<StoredFile> {
    const { total, chunks } = await openSource(source, options.signal)
    const hash = sha256.create()
    let loaded = 0
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const chunk of chunks) {
        options.signal?.throwIfAborted()
        hash.update(chunk)
        loaded += chunk.length
        options.onProgress?.({ file, loaded, total })
        yield chunk
      }
    }
    await pending.writeFile(file, counted())
    return { size: loaded, sha256: bytesToHex(hash.digest()) }
  }
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes
}

function checkLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (!/^[A-Za-z0-9]([-._/A-Za-z0-9]{0,62})$/.test(key))
      throw new BadInput(`A label key holds letters, digits, "-", "_", ".", "/" (at most 63): "${key}"`)
    if (typeof value !== 'string') throw new BadInput(`Label "${key}" must be a string`)
  }
  return { ...labels }
}

function toJson(value: unknown, what: string): unknown {
  try {
    return JSON.parse(JSON.stringify(value))
  } catch (error) {
    throw new BadInput(`${what} must be JSON: ${(error as Error).message}`)
  }
}
