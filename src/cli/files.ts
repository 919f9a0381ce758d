import { randomBytes } from 'node:crypto'
import { openAsBlob } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { BadInput } from '../errors.js'

/**
 * A file on disk as a Blob that is read as it is streamed, so a model of many gigabytes is never held in
 * memory at once. Checked with stat first because `openAsBlob` reports a missing file without naming it.
 */
export async function openFile(path: string): Promise<Blob> {
  const stats = await stat(path)
  if (!stats.isFile()) throw new BadInput(`${path} is not a file`)
  return openAsBlob(path)
}

/**
 * Writes `bytes` to a hidden temporary file beside `path` and renames it into place, so a failed or
 * interrupted write never leaves a half file under the name asked for. Returns the absolute path.
 */
export async function writeFileAtomically(path: string, bytes: Uint8Array): Promise<string> {
  const target = resolve(path)
  const folder = dirname(target)
  // Checked first so a missing folder is reported by its own name, not the temporary file's.
  if (!(await stat(folder)).isDirectory()) throw new BadInput(`${folder} is not a folder`)
  const existing = await stat(target).catch(() => undefined)
  if (existing?.isDirectory()) throw new BadInput(`${target} is a folder; give the archive's file name`)
  const temp = join(folder, `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx')
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  return target
}
