import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadServiceModule } from '../adapters/node/load-module.js'
import { provideTiffin } from '../adapters/node/provide-tiffin.js'
import { DEFAULTS } from '../defaults.js'
import { NotFound } from '../errors.js'
import { pickService } from '../service/pick-service.js'
import type { Service } from '../service/service.js'
import { fileStore, tiffinHome } from '../store/fs.js'
import type { ModelStore } from '../store/model-store.js'
import { parseTag } from '../tag.js'
import { BentoStore } from './bento-store.js'
import { BENTO_FILE, parseBento, type BentoInfo } from './bento.js'

export interface LoadedService {
  readonly service: Service
  /** A bento's own models; absent for a service module, whose runners use the store they are given. */
  readonly store?: ModelStore
  /** The bento, when one was loaded. */
  readonly bento?: { readonly info: BentoInfo; readonly path: string }
  /** A bento's serve config (its build config's serve settings), when it has one: `tiffin serve` reads it unless given another. */
  readonly serveConfig?: string
}

/**
 * Loads a service from a built folder, a bento tag (in `$TIFFIN_HOME/bentos` unless `bentos` says), or a module that exports one. A bento
 * needs nothing of the sources it was built from: its code is bundled, its models are in its folder.
 */
export async function load(target: string, options: { readonly bentos?: BentoStore } = {}): Promise<LoadedService> {
  const path = resolve(target)
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) {
      if (!existsSync(join(path, BENTO_FILE)))
        throw new NotFound(`${target} is a folder without ${BENTO_FILE}; expected a built service (tiffin build)`)
      return loadBento(path)
    }
    return { service: await loadServiceModule(path) }
  }
  if (!looksLikeTag(target))
    throw new NotFound(
      `${target} is not a file, a folder or a bento tag; expected a service module, a built folder or name[:version]`,
    )
  const stored = await (options.bentos ?? new BentoStore(tiffinHome())).get(target)
  return loadBento(stored.path)
}

const looksLikeTag = (text: string): boolean => {
  try {
    parseTag(text)
    return true
  } catch {
    return false
  }
}

async function loadBento(path: string): Promise<LoadedService> {
  const info = parseBento(await readFile(join(path, BENTO_FILE), 'utf8'), path)
  provideTiffin()
  const module = (await import(pathToFileURL(join(path, info.node.entry)).href)) as Record<string, unknown>
  const serveConfig = join(path, DEFAULTS.build.serveConfig)
  return {
    service: pickService(module, join(path, info.node.entry)),
    store: fileStore(path),
    bento: { info, path },
    ...(existsSync(serveConfig) && { serveConfig }),
  }
}
