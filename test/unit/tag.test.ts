import { describe, expect, it } from 'vitest'
import { BadInput, Conflict, NotFound } from '../../src/errors.js'
import { formatTag, newVersion, parseTag, resolveVersion } from '../../src/tag.js'

describe('tags', () => {
  it('parse name and name:version, with latest meaning the newest', () => {
    expect(parseTag('resnet')).toEqual({ name: 'resnet', version: undefined })
    expect(parseTag('resnet:latest')).toEqual({ name: 'resnet', version: undefined })
    expect(parseTag('res-net.v2_a:1.0.3')).toEqual({ name: 'res-net.v2_a', version: '1.0.3' })
    expect(formatTag(parseTag('a:b'))).toBe('a:b')
    expect(formatTag(parseTag('a'))).toBe('a:latest')
  })

  it.each([
    ['../x', /may hold only lower-case letters/],
    ['Upper', /must be lower case/],
    ['a:b:c', /at most one ":"/],
    ['a'.repeat(64), /at most 63 characters; "a{20}…" has 64/],
    ['', /must not be empty/],
    ['name:', /version must not be empty/],
    ['-lead', /starting and ending with a letter or digit/],
    ['trail.', /starting and ending/],
    ['sp ace', /may hold only/],
    ['a/b', /may hold only/],
  ])('refuse %j with the rule named', (tag, rule) => {
    expect(() => parseTag(tag)).toThrow(BadInput)
    expect(() => parseTag(tag)).toThrow(rule)
  })

  it('accept 63 characters', () => {
    expect(parseTag('a'.repeat(63)).name).toHaveLength(63)
  })

  it('make new versions that sort by creation time, even within one millisecond', () => {
    const versions = [newVersion(1_000), newVersion(1_000), newVersion(999), newVersion(5_000_000)]
    expect([...versions].sort()).toEqual(versions)
    expect(new Set(versions).size).toBe(4)
    for (const v of versions) expect(() => parseTag(`m:${v}`)).not.toThrow()
    expect(newVersion(Date.parse('2030-01-01')) > newVersion(Date.parse('2026-01-01'))).toBe(false) // monotonic per process
  })

  it('resolve to the newest, an exact version or a unique prefix', () => {
    const entries = [
      { version: 'abc1', createdAt: '2026-01-01T00:00:00.000Z' },
      { version: 'abc2', createdAt: '2026-01-03T00:00:00.000Z' },
      { version: 'xyz', createdAt: '2026-01-02T00:00:00.000Z' },
    ]
    expect(resolveVersion({ name: 'm', version: undefined }, entries).version).toBe('abc2')
    expect(resolveVersion({ name: 'm', version: 'x' }, entries).version).toBe('xyz')
    expect(resolveVersion({ name: 'm', version: 'abc1' }, entries).version).toBe('abc1')
    expect(() => resolveVersion({ name: 'm', version: 'abc' }, entries)).toThrow(Conflict)
    expect(() => resolveVersion({ name: 'm', version: 'q' }, entries)).toThrow(NotFound)
    expect(() => resolveVersion({ name: 'm', version: undefined }, [])).toThrow(/No model named "m"/)
  })
})
