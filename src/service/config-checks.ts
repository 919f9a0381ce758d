// Checking a config read from a file, field by field: each check names the key, what is allowed and what
// it got, in one line, so a misconfiguration stops before anything starts.
import { BadInput } from '../errors.js'

/** Refuses a value at `path` (`runners.linear.workers`): `expected` says what is allowed. */
export type Fail = (path: string, expected: string, got?: unknown) => never

/** A `Fail` whose messages start with where the config came from (a file's path). */
export function failIn(where: string): Fail {
  return (path, expected, got) => {
    const shown = got === undefined ? '' : `, got ${show(got)}`
    throw new BadInput(`${where}: ${path} ${expected}${shown}`)
  }
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `value` must be a mapping; returns it typed. */
export function mapping(value: unknown, path: string, expected: string, fail: Fail): Record<string, unknown> {
  if (!isRecord(value)) fail(path, `must be a mapping ${expected}`, value)
  return value as Record<string, unknown>
}

/** Every key of `value` must be one of `allowed`. */
export function onlyKeys(value: Record<string, unknown>, path: string, allowed: readonly string[], fail: Fail): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0]
      fail(path ? `${path}.${key}` : key, `is not a setting here; expected ${list}`)
    }
  }
}

/** A whole number of at least `min` (and at most `max`), when set. */
export function whole(value: unknown, path: string, fail: Fail, min: number, max = Infinity): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min && (value as number) <= max))
    fail(path, `must be a whole number ${max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`}`, value)
}

/** A number of milliseconds: above 0, or at least 0 with `zero`. */
export function millis(value: unknown, path: string, fail: Fail, zero = false): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && (zero ? value >= 0 : value > 0)))
    fail(path, `must be a number of milliseconds ${zero ? 'of at least 0' : 'above 0'}`, value)
}

export function oneOf(value: unknown, path: string, allowed: readonly unknown[], fail: Fail): void {
  if (value !== undefined && !allowed.includes(value))
    fail(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value)
}

export function boolean(value: unknown, path: string, fail: Fail): void {
  if (value !== undefined && typeof value !== 'boolean') fail(path, 'must be true or false', value)
}

export function text(value: unknown, path: string, fail: Fail): void {
  if (value !== undefined && !(typeof value === 'string' && value.trim() !== '')) fail(path, 'must be a string', value)
}

/** A list of http(s) URLs, at least one. */
export function urls(value: unknown, path: string, fail: Fail): void {
  if (value === undefined) return
  const ok = Array.isArray(value) && value.length > 0 && value.every((u) => /^https?:\/\/\S+$/.test(String(u)))
  if (!ok || !value.every((u) => typeof u === 'string')) fail(path, 'must be a list of http(s) URLs', value)
}
