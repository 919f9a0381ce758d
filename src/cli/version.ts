import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * tiffin's version from its package.json, found by walking up from this file because the file runs from
 * `src/cli/` under tsx and from `dist/src/cli/` once built.
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 4; depth++, dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (manifest.name === 'tiffin' && typeof manifest.version === 'string') return manifest.version
    } catch {
      // No package.json at this level; keep walking up.
    }
  }
  return 'unknown'
}
