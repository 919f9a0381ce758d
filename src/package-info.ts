import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The name tiffin is installed and imported by (the npm name `tiffin` belongs to another package). */
export const PACKAGE_NAME = 'tiffin-serve'

interface Found {
  readonly root: string
  readonly version: string
}
let found: Found | undefined

/**
 * tiffin's own package folder and version, found by walking up from this file: it runs from `src/` under
 * tsx and from `dist/src/` once built.
 */
function findPackage(): Found {
  if (found) return found
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 4; depth++, dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown
        version?: unknown
      }
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string')
        return (found = { root: dir, version: manifest.version })
    } catch {
      // No package.json at this level; keep walking up.
    }
  }
  throw new Error(`${PACKAGE_NAME}'s package.json was not found above ${fileURLToPath(import.meta.url)}`)
}

export const packageVersion = (): string => findPackage().version

/** The folder that holds tiffin's package.json. */
export const packageRoot = (): string => findPackage().root
