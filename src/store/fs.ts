import * as nodeFs from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve, sep } from 'node:path'
import { Conflict, NotFound, StorageFull } from '../errors.js'
import { isTagPart, validateTagPart } from '../tag.js'
import type { PendingVersion, StorageUsage, StoreBackend } from './backend.js'
import { validateFileName, type ModelInfo } from './manifest.js'
import { ModelStore } from './model-store.js'

/** `$TIFFIN_HOME`, or `~/.tiffin`. */
export function tiffinHome(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.TIFFIN_HOME || join(homedir(), '.tiffin'))
}

/** A model store in `<root>/models/<name>/<version>/`, each version a folder with `model.json`. */
export function fileStore(root: string = tiffinHome()): ModelStore {
  return new ModelStore(new FileBackend(root))
}

/**
 * The file system calls the store makes: `node:fs/promises`, or a stand-in that fails at a chosen call,
 * which is how the tests interrupt a save at every step.
 */
export type FileSystem = Pick<
  typeof nodeFs,
  'mkdir' | 'mkdtemp' | 'open' | 'readdir' | 'readFile' | 'rename' | 'rm' | 'rmdir' | 'stat' | 'statfs'
>

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code

function mapWriteError(error: unknown): unknown {
  if (code(error) === 'ENOSPC' || code(error) === 'EDQUOT')
    return new StorageFull('The disk is full; the model was not saved', { cause: error })
  return error
}

/**
 * Each version is written into a hidden temporary folder beside its final place and renamed into place
 * in one step, so a crash at any point leaves either the whole version or nothing that looks like one.
 */
export class FileBackend implements StoreBackend {
  readonly root: string
  private readonly models: string

  constructor(
    root: string,
    private readonly fs: FileSystem = nodeFs,
  ) {
    this.root = resolve(root)
    this.models = join(this.root, 'models')
  }

  get location(): string {
    return this.models
  }

  /** Joins checked parts under the models folder, and proves the result stayed inside it. */
  private path(name: string, version?: string, file?: string): string {
    const parts = [validateTagPart(name, 'name')]
    if (version !== undefined) parts.push(validateTagPart(version, 'version'))
    if (file !== undefined) parts.push(file === 'model.json' ? file : validateFileName(file))
    const path = resolve(this.models, ...parts)
    if (!path.startsWith(this.models + sep)) throw new NotFound(`"${parts.join('/')}" is outside the store`)
    return path
  }

  async names(): Promise<string[]> {
    const entries = await this.fs
      .readdir(this.models, { withFileTypes: true })
      .catch((e: unknown) => (code(e) === 'ENOENT' ? [] : Promise.reject(e)))
    return entries.filter((e) => e.isDirectory() && isTagPart(e.name)).map((e) => e.name)
  }

  async manifests(name: string): Promise<unknown[]> {
    const dir = this.path(name)
    const entries = await this.fs
      .readdir(dir, { withFileTypes: true })
      .catch((e: unknown) => (code(e) === 'ENOENT' ? [] : Promise.reject(e)))
    const out: unknown[] = []
    for (const entry of entries) {
      if (!entry.isDirectory() || !isTagPart(entry.name)) continue
      try {
        out.push(JSON.parse(await this.fs.readFile(join(dir, entry.name, 'model.json'), 'utf8')))
      } catch (error) {
        // A version without a readable manifest is not a version; the store never hands it out.
        if (code(error) !== 'ENOENT' && !(error instanceof SyntaxError)) throw error
      }
    }
    return out
  }

  async readFile(name: string, version: string, file: string): Promise<Uint8Array> {
    try {
      const buffer = await this.fs.readFile(this.path(name, version, file))
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    } catch (error) {
      if (code(error) === 'ENOENT') throw new NotFound(`${name}:${version} has no file "${file}" on disk`)
      throw error
    }
  }

  async begin(name: string): Promise<PendingVersion> {
    const parent = this.path(name)
    await this.fs.mkdir(parent, { recursive: true }).catch((e: unknown) => Promise.reject(mapWriteError(e)))
    const temp = await this.fs.mkdtemp(join(parent, '.tmp-'))
    const self = this
    return {
      async writeFile(file, chunks) {
        const handle = await self.fs.open(join(temp, validateFileName(file)), 'wx')
        try {
          for await (const chunk of chunks) await handle.write(chunk)
          await handle.sync()
        } catch (error) {
          throw mapWriteError(error)
        } finally {
          await handle.close()
        }
      },
      async commit(info: ModelInfo) {
        const handle = await self.fs.open(join(temp, 'model.json'), 'wx')
        try {
          await handle.writeFile(JSON.stringify(info, null, 2))
          await handle.sync()
        } catch (error) {
          throw mapWriteError(error)
        } finally {
          await handle.close()
        }
        try {
          // rename(2) will not replace a non-empty folder, so two saves of one version cannot both win.
          await self.fs.rename(temp, self.path(info.name, info.version))
        } catch (error) {
          if (code(error) === 'ENOTEMPTY' || code(error) === 'EEXIST')
            throw new Conflict(`${info.name}:${info.version} already exists`)
          throw error
        }
      },
      async abort() {
        await self.fs.rm(temp, { recursive: true, force: true })
      },
    }
  }

  async deleteVersion(name: string, version: string): Promise<void> {
    const dir = this.path(name, version)
    const parent = this.path(name)
    const trash = await this.fs.mkdtemp(join(parent, '.del-'))
    try {
      // Renamed away first so the version disappears in one step, then removed at leisure.
      await this.fs.rename(dir, join(trash, 'v'))
    } catch (error) {
      await this.fs.rmdir(trash)
      if (code(error) === 'ENOENT') throw new NotFound(`${name}:${version} is not in the store`)
      throw error
    }
    await this.fs.rm(trash, { recursive: true, force: true })
    await this.fs.rmdir(parent).catch(() => undefined) // only succeeds when no version is left
  }

  async usage(): Promise<StorageUsage | undefined> {
    await this.fs.mkdir(this.models, { recursive: true })
    let usage = 0
    for (const entry of await this.fs.readdir(this.models, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) usage += (await this.fs.stat(join(entry.parentPath, entry.name))).size
    }
    const disk = await this.fs.statfs(this.models)
    return { usage, quota: usage + disk.bavail * disk.bsize }
  }
}
