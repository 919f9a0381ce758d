import { describe, expect, it } from 'vitest'
import { BadInput, PayloadTooLarge, UnsupportedMediaType } from '../../src/errors.js'
import { text } from '../../src/io/text.js'

const post = (body: BodyInit, type?: string) =>
  new Request('http://tiffin.test/api', { method: 'POST', body, headers: type ? { 'content-type': type } : {} })
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('parse resolved'),
    (e: unknown) => e as Error,
  )

describe('text', () => {
  it('reads a UTF-8 text/plain body', async () => {
    expect(await text().parse(post('héllo, 世界 🍱'))).toBe('héllo, 世界 🍱') // fetch sends strings as text/plain;charset=UTF-8
    expect(await text().parse(post(new TextEncoder().encode('a\nb'), 'text/plain'))).toBe('a\nb')
  })

  it('refuses invalid UTF-8 with a 400', async () => {
    const error = await rejection(text().parse(post(new Uint8Array([0x61, 0xc3, 0x28]), 'text/plain')))
    expect(error).toBeInstanceOf(BadInput)
    expect(error.message).toBe('The body is not valid UTF-8')
  })

  it('refuses other media types and charsets with a 415', async () => {
    expect(await rejection(text().parse(post('{}', 'application/json')))).toMatchObject({
      status: 415,
      message: 'The request has Content-Type application/json; expected text/plain',
    })
    const latin1 = await rejection(text().parse(post('abc', 'text/plain; charset=ISO-8859-1')))
    expect(latin1).toBeInstanceOf(UnsupportedMediaType)
    expect(latin1.message).toBe("The request's charset is iso-8859-1; expected utf-8")
  })

  it('refuses a text longer than maxLength, counted in characters, with a 413', async () => {
    const d = text({ maxLength: 3 })
    expect(await d.parse(post('🍱🍱🍱'))).toBe('🍱🍱🍱') // 3 characters, 6 UTF-16 units, 12 bytes
    const error = await rejection(d.parse(post('abcd')))
    expect(error).toBeInstanceOf(PayloadTooLarge)
    expect(error.message).toBe('The text is 4 characters long; this API takes at most 3')
    expect((await rejection(d.parse(post('x'.repeat(1000))))).message).toBe(
      'The text is more than 3 characters long; this API takes at most 3',
    )
  })

  it('answers text/plain in UTF-8, and reads parts', async () => {
    const response = await text().serialize('ok ✓')
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await response.text()).toBe('ok ✓')
    expect(await text().parsePart!('field value', 'f')).toBe('field value')
    expect(await text().parsePart!(new Blob(['from a file']), 'f')).toBe('from a file')
    expect(text({ maxLength: 10 }).requestContent()).toEqual({
      'text/plain': { schema: { type: 'string', maxLength: 10 } },
    })
  })
})
