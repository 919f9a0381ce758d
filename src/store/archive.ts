import { BadInput, Corrupted } from '../errors.js'
import { parseManifest, validateFileName, type ModelInfo } from './manifest.js'
import { packTar, unpackTar, type TarEntry } from './tar.js'

/**
 * The `.tiffin-model` archive: a plain tar holding `model.json` and the model files, flat, with fixed
 * attributes so the same model always exports to the same bytes in Node and in the browser.
 */
export const ARCHIVE_EXTENSION = '.tiffin-model'
const MANIFEST = 'model.json'

export function packArchive(info: ModelInfo, files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const entries: TarEntry[] = [{ name: MANIFEST, data: new TextEncoder().encode(JSON.stringify(info, null, 2)) }]
  for (const name of Object.keys(info.files).sort()) entries.push({ name, data: files.get(name)! })
  return packTar(entries, Date.parse(info.createdAt) / 1000)
}

export interface UnpackedArchive {
  readonly info: ModelInfo
  readonly files: ReadonlyMap<string, Uint8Array>
}

/**
 * Reads an archive, refusing anything that is not a flat list of regular files named in its manifest:
 * no folders, links, absolute paths or "..", nothing missing and nothing extra. Checksums are checked
 * by the store as the files are written.
 */
export function unpackArchive(bytes: Uint8Array): UnpackedArchive {
  const entries = unpackTar(bytes, (message) => new BadInput(message))
  const files = new Map<string, Uint8Array>()
  let manifest: Uint8Array | undefined
  for (const entry of entries) {
    if (entry.name === MANIFEST) manifest = entry.data
    else {
      validateFileName(entry.name)
      if (files.has(entry.name)) throw new BadInput(`The archive holds "${entry.name}" twice`)
      files.set(entry.name, entry.data)
    }
  }
  if (!manifest)
    throw new Corrupted(`The archive has no ${MANIFEST}; it is not a tiffin model archive (or it is truncated)`)
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(manifest))
  } catch {
    throw new Corrupted(`The archive's ${MANIFEST} is not valid JSON`)
  }
  const info = parseManifest(json, 'The archive')
  for (const name of Object.keys(info.files)) {
    if (!files.has(name))
      throw new Corrupted(`The archive lacks "${name}", which its manifest lists (is it truncated?)`)
  }
  for (const name of files.keys()) {
    if (!(name in info.files)) throw new BadInput(`The archive holds "${name}", which its manifest does not list`)
  }
  return { info, files }
}
