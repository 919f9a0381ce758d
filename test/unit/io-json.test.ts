import { describe, expect, it } from 'vitest'
import { BadInput, TiffinError, Unprocessable, UnsupportedMediaType } from '../../src/errors.js'
import { json, type StandardSchemaV1 } from '../../src/io/json.js'

const post = (body: BodyInit, type?: string) =>
  new Request('http://tiffin.test/api', { method: 'POST', body, headers: type ? { 'content-type': type } : {} })

/** A hand-written Standard Schema: `{ name: string, items: { price: number }[] }`. */
const order: StandardSchemaV1<unknown, { name: string; items: { price: number }[] }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      const issues: StandardSchemaV1.Issue[] = []
      const v = value as { name?: unknown; items?: { price?: unknown }[] }
      if (typeof v?.name !== 'string') issues.push({ message: 'Expected string', path: ['name'] })
      if (!Array.isArray(v?.items)) issues.push({ message: 'Expected array', path: ['items'] })
      else
        v.items.forEach(
          (item, i) =>
            typeof item?.price !== 'number' &&
            issues.push({ message: 'Expected number', path: ['items', { key: i }, 'price'] }),
        )
      return issues.length ? { issues } : { value: v as { name: string; items: { price: number }[] } }
    },
  },
}

describe('json', () => {
  it('reads an application/json body, and +json types too', async () => {
    expect(await json().parse(post('{"a": [1, 2, {"b": null}]}', 'application/json'))).toEqual({
      a: [1, 2, { b: null }],
    })
    expect(await json().parse(post('"hi"', 'application/problem+json; charset=utf-8'))).toBe('hi')
  })

  it('answers malformed JSON with a 400 that says where it broke', async () => {
    const error = await json()
      .parse(post('{"a" 1}', 'application/json'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BadInput)
    expect((error as Error).message).toMatch(/not valid JSON: .* \(at character 5\)$/)
    await expect(json().parse(post('', 'application/json'))).rejects.toThrow(/empty; expected a JSON value/)
    await expect(json().parse(post(new Uint8Array([0x22, 0xff, 0x22]), 'application/json'))).rejects.toThrow(
      /not valid UTF-8/,
    )
  })

  it('answers a body that fails the schema with a 422 listing every issue with its path', async () => {
    const error = await json({ schema: order })
      .parse(post('{"items": [{"price": 1}, {"price": "2"}]}', 'application/json'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Unprocessable)
    expect((error as Unprocessable).status).toBe(422)
    expect((error as Error).message).toBe(
      'The body does not match the schema: name: Expected string; items[1].price: Expected number',
    )
  })

  it('returns what the schema returns when the body passes', async () => {
    const value = await json({ schema: order }).parse(post('{"name": "x", "items": []}', 'application/json'))
    expect(value).toEqual({ name: 'x', items: [] })
  })

  it('refuses other content types with a 415 that names application/json', async () => {
    const error = await json()
      .parse(post('{}', 'text/plain'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnsupportedMediaType)
    expect((error as Error).message).toBe('The request has Content-Type text/plain; expected application/json')
    await expect(json().parse(post('{}'))).rejects.toMatchObject({ status: 415 }) // a string body is text/plain by default
  })

  it('writes typed arrays as arrays and refuses bigints with a clear error', async () => {
    const response = await json().serialize({ scores: new Float32Array([0.5, 2]), ids: new Uint8Array([7]) })
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({ scores: [0.5, 2], ids: [7] })
    expect(() => json().serialize({ id: 1n })).toThrow(TiffinError)
    expect(() => json().serialize({ id: 1n })).toThrow('The result holds a bigint at "id", which JSON cannot carry')
    expect(await (await json().serialize(undefined)).text()).toBe('null')
  })

  it('reads a multipart part as JSON, from a string or a Blob', async () => {
    const d = json({ schema: order })
    expect(await d.parsePart!('{"name": "a", "items": []}', 'order')).toEqual({ name: 'a', items: [] })
    const blob = new Blob(['{"name": "b", "items": [{"price": 3}]}'], { type: 'application/json' })
    expect(await d.parsePart!(blob, 'order')).toEqual({ name: 'b', items: [{ price: 3 }] })
  })

  it('describes its body in OpenAPI with the given JSON Schema and example, or {}', () => {
    expect(json().requestContent()).toEqual({ 'application/json': { schema: {} } })
    const d = json({ jsonSchema: { type: 'object' }, example: { a: 1 } })
    expect(d.requestContent()).toEqual({ 'application/json': { schema: { type: 'object', examples: [{ a: 1 }] } } })
    expect(d.responseContent()).toEqual(d.requestContent())
  })
})
