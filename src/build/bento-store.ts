// Built services in `<home>/bentos/<name>/<version>/`: listed, resolved by tag, deleted, exported and imported.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { create, extract, list } from 'tar'
import { Conflict, Corrupted, NotFound } from '../errors.js'
import { fileStore } from '../store/fs.js'
import { isTagPart, parseTag, resolveVersion, validateTagPart } from '../tag.js'
import { BENTO_FILE, bentoTag, parseBento, type BentoInfo } from './bento.js'

export interface StoredBento {
  readonly info: BentoInfo
  /** The bento's folder. */
  readonly path: string
}

export class BentoStore {
  readonly root: string

  constructor(home: string) {
    this.root = join(resolve(home), 'bentos')
  }

  /** Every bento, or every version of one, oldest first within a name. */
  async list(name?: string): Promise<StoredBento[]> {
    const names = name === undefined ? (await entries(this.root)).sort() : [validateTagPart(name, 'name')]
    const all: StoredBento[] = []
    for (const n of names) all.push(...(await this.versions(n)))
    return all
  }

  /** The bento a tag names: `name`, `name:latest`, `name:version` or a unique version prefix. */
  async get(tag: string): Promise<StoredBento> {
    const parsed = parseTag(tag)
    const versions = await this.versions(parsed.name)
    if (versions.length === 0)
      throw new NotFound(`No bento named "${parsed.name}" is in ${this.root}; build one with tiffin build`)
    return resolveVersion(
      parsed,
      versions.map((b) => ({ ...b, version: b.info.version, createdAt: b.info.createdAt })),
    )
  }

  async delete(tag: string): Promise<StoredBento> {
    const bento = await this.get(tag)
    // Renamed away first, so a half-deleted folder is never taken for a bento.
    const doomed = join(this.root, bento.info.name, `.deleting-${randomBytes(4).toString('hex')}`)
    await rename(bento.path, doomed)
    await rm(doomed, { recursive: true, force: true })
    return bento
  }

  /** A hidden folder to build a bento in; `commit` moves it into place. */
  async staging(name: string): Promise<string> {
    const folder = join(this.root, validateTagPart(name, 'name'), `.tmp-${randomBytes(6).toString('hex')}`)
    await mkdir(folder, { recursive: true })
    return folder
  }

  /** Moves a finished bento from its staging folder to `<name>/<version>`, all at once. */
  async commit(staging: string, info: BentoInfo): Promise<StoredBento> {
    const path = join(this.root, validateTagPart(info.name, 'name'), validateTagPart(info.version, 'version'))
    if (existsSync(path)) throw new Conflict(`${bentoTag(info)} is already in ${this.root}`)
    await rename(staging, path)
    return { info, path }
  }

  /** Writes a bento as one gzipped tar file. */
  async export(tag: string, file: string): Promise<StoredBento> {
    const bento = await this.get(tag)
    await create({ gzip: true, portable: true, cwd: bento.path, file }, await readdir(bento.path))
    return bento
  }

  /**
   * Imports an exported bento. Entries that are not plain files or folders, or that would land outside the
   * bento, are refused before anything is written; the models are checked against their sha256 before the
   * bento becomes visible.
   */
  async import(file: string): Promise<StoredBento> {
    const problems: string[] = []
    await list({
      file,
      strict: true,
      onReadEntry: (entry) => {
        const path = entry.path
        if (entry.type !== 'File' && entry.type !== 'Directory') problems.push(`${path} is a ${entry.type}, not a file`)
        else if (isAbsolute(path) || path.split(/[\\/]/).includes('..'))
          problems.push(`${path} leaves the bento's folder`)
      },
    }).catch((error: unknown) => {
      throw new Corrupted(`${file} is not a readable bento archive (${(error as Error).message})`)
    })
    if (problems.length) throw new Corrupted(`${file} is refused: ${problems.slice(0, 3).join('; ')}`)
    await mkdir(this.root, { recursive: true })
    const staging = join(this.root, `.import-${randomBytes(6).toString('hex')}`)
    await mkdir(staging)
    try {
      await extract({ file, cwd: staging, strict: true, preservePaths: false })
      const info = parseBento(await readFile(join(staging, BENTO_FILE), 'utf8').catch(() => '{}'), file)
      validateTagPart(info.name, 'name')
      validateTagPart(info.version, 'version')
      const models = fileStore(staging)
      for (const model of info.models) {
        const report = await models
          .verify(model.tag)
          .catch((error: unknown) => ({ ok: false, problems: [(error as Error).message] }))
        if (!report.ok) throw new Corrupted(`${file}: model ${model.tag} is damaged (${report.problems.join('; ')})`)
      }
      await mkdir(join(this.root, info.name), { recursive: true })
      return await this.commit(staging, info)
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  }

  private async versions(name: string): Promise<StoredBento[]> {
    const folder = join(this.root, name)
    const found: StoredBento[] = []
    for (const version of await entries(folder)) {
      const path = join(folder, version)
      try {
        const info = parseBento(await readFile(join(path, BENTO_FILE), 'utf8'), path)
        if (info.name === name && info.version === version) found.push({ info, path })
      } catch {
        // A folder without a readable bento.json is not a bento (a build that was interrupted, say).
      }
    }
    return found.sort((a, b) =>
      a.info.createdAt < b.info.createdAt
        ? -1
        : a.info.createdAt > b.info.createdAt
          ? 1
          : a.info.version < b.info.version
            ? -1
            : 1,
    )
  }
}

/** Folder names that can be tag parts (hidden staging folders are skipped). */
async function entries(folder: string): Promise<string[]> {
  const found = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? [] : Promise.reject(error),
  )
  return found.filter((e) => e.isDirectory() && isTagPart(e.name)).map((e) => e.name)
}
