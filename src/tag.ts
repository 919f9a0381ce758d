import { BadInput, Conflict, NotFound } from './errors.js'

/**
 * A model tag: `name` or `name:version`. A missing version, or the word `latest`, means the newest
 * version; any other version may be given by a prefix that matches exactly one stored version.
 */
export interface Tag {
  readonly name: string
  /** `undefined` means the newest version (`name` or `name:latest`). */
  readonly version: string | undefined
}

export const LATEST = 'latest'
export const MAX_PART_LENGTH = 63
const PART_PATTERN = /^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$/
const PART_RULE = 'lower-case letters, digits, "-", "_" and ".", starting and ending with a letter or digit'

/** Throws `BadInput` naming the rule when `part` is not a valid tag name or version. */
export function validateTagPart(part: string, what: 'name' | 'version'): string {
  if (part.length === 0) throw new BadInput(`A tag ${what} must not be empty`)
  if (part.length > MAX_PART_LENGTH) {
    throw new BadInput(
      `A tag ${what} is at most ${MAX_PART_LENGTH} characters; "${part.slice(0, 20)}…" has ${part.length}`,
    )
  }
  if (part !== part.toLowerCase()) throw new BadInput(`A tag ${what} must be lower case: "${part}"`)
  if (!PART_PATTERN.test(part)) throw new BadInput(`A tag ${what} may hold only ${PART_RULE}: "${part}"`)
  return part
}

/** Whether a folder or key name can be a tag name or version (a file store lists only those). */
export const isTagPart = (text: string): boolean => text.length <= MAX_PART_LENGTH && PART_PATTERN.test(text)

/** Parses `name` or `name:version`, refusing anything that breaks the tag rules. */
export function parseTag(text: string): Tag {
  if (typeof text !== 'string' || text.length === 0)
    throw new BadInput('A tag must not be empty; expected "name" or "name:version"')
  const parts = text.split(':')
  if (parts.length > 2) throw new BadInput(`A tag holds at most one ":" (name:version): "${text}"`)
  const [name = '', version] = parts
  validateTagPart(name, 'name')
  if (version === undefined || version === LATEST) return { name, version: undefined }
  validateTagPart(version, 'version')
  return { name, version }
}

export function formatTag(tag: Tag): string {
  return `${tag.name}:${tag.version ?? LATEST}`
}

/** A version's name and when it was made: what resolving a tag needs to know. */
export interface VersionEntry {
  readonly version: string
  readonly createdAt: string
}

/** The newest entry: latest `createdAt`, ties broken by the version that sorts last. */
export function newest<T extends VersionEntry>(entries: readonly T[]): T | undefined {
  let best: T | undefined
  for (const entry of entries) {
    if (
      !best ||
      entry.createdAt > best.createdAt ||
      (entry.createdAt === best.createdAt && entry.version > best.version)
    )
      best = entry
  }
  return best
}

/** Picks the stored version a tag names: the newest, an exact match, or the one version with that prefix. */
export function resolveVersion<T extends VersionEntry>(tag: Tag, entries: readonly T[]): T {
  const shown = formatTag(tag)
  if (entries.length === 0) throw new NotFound(`No model named "${tag.name}" is in the store`)
  if (tag.version === undefined) return newest(entries)!
  const exact = entries.find((e) => e.version === tag.version)
  if (exact) return exact
  const matches = entries.filter((e) => e.version.startsWith(tag.version!))
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) throw new NotFound(`No version of "${tag.name}" matches "${shown}"`)
  const listed = matches
    .map((m) => m.version)
    .sort()
    .join(', ')
  throw new Conflict(
    `"${shown}" is ambiguous: it is a prefix of ${matches.length} versions (${listed}); give more of the version`,
  )
}

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz'
let lastTime = 0

/**
 * A new version: 10 characters of creation time in milliseconds then 6 random ones, all lower-case base32,
 * so versions sort by creation time and two made in one millisecond still differ and stay ordered.
 */
export function newVersion(now: number = Date.now()): string {
  const time = Math.max(now, lastTime + 1)
  lastTime = time
  let text = ''
  for (let t = time, i = 0; i < 10; i++, t = Math.floor(t / 32)) text = BASE32[t % 32] + text
  const random = crypto.getRandomValues(new Uint8Array(6))
  for (const byte of random) text += BASE32[byte % 32]
  return text
}
