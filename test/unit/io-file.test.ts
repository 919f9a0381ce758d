import { describe, expect, it } from 'vitest'
import { UnsupportedMediaType } from '../../src/errors.js'
import { file } from '../../src/io/file.js'

const post = (body: BodyInit, type?: string) =>
  new Request('http://tiffin.test/api', { method: 'POST', body, headers: type ? { 'content-type': type } : {} })

describe('file', () => {
  it('reads any body as a Blob of the request media type', async () => {
    const blob = await file().parse(post(new Uint8Array([1, 2, 3]), 'application/pdf; name=x'))
    expect(blob.type).toBe('application/pdf')
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3])
    expect((await file().parse(post(new Uint8Array([9])))).type).toBe('')
  })

  it('takes only the listed media types when given, patterns allowed', async () => {
    const d = file({ mediaTypes: ['image/*', 'application/pdf'] })
    expect((await d.parse(post(new Uint8Array([1]), 'image/webp'))).type).toBe('image/webp')
    const error = (await d.parse(post(new Uint8Array([1]), 'text/csv')).catch((e: unknown) => e)) as Error
    expect(error).toBeInstanceOf(UnsupportedMediaType)
    expect(error.message).toBe('The file is text/csv; expected image/* or application/pdf')
  })

  it('reads the one file of an HTML form upload', async () => {
    const form = new FormData()
    form.append('upload', new Blob(['%PDF'], { type: 'application/pdf' }), 'a.pdf')
    const blob = await file().parse(new Request('http://tiffin.test/api', { method: 'POST', body: form }))
    expect([blob.type, await blob.text()]).toEqual(['application/pdf', '%PDF'])
    const two = new FormData()
    two.append('a', new Blob(['1']), 'a')
    two.append('b', new Blob(['2']), 'b')
    await expect(
      file().parse(new Request('http://tiffin.test/api', { method: 'POST', body: two })),
    ).rejects.toMatchObject({
      status: 400,
      message: 'A multipart body must hold exactly one file here; it holds 2',
    })
  })

  it('answers a Blob as its type and bytes as application/octet-stream', async () => {
    const fromBlob = file().serialize(new Blob(['<svg/>'], { type: 'image/svg+xml' })) as Response
    expect([fromBlob.headers.get('content-type'), await fromBlob.text()]).toEqual(['image/svg+xml', '<svg/>'])
    const fromBytes = file().serialize(new Uint8Array([5, 6, 7]).subarray(1) as unknown as Blob) as Response // bytes are taken at run time
    expect(fromBytes.headers.get('content-type')).toBe('application/octet-stream')
    expect([...new Uint8Array(await fromBytes.arrayBuffer())]).toEqual([6, 7])
  })

  it('describes its media types in OpenAPI', () => {
    expect(file({ mediaTypes: ['application/pdf'] }).requestContent()).toEqual({
      'application/pdf': { schema: { type: 'string', format: 'binary', contentMediaType: 'application/pdf' } },
    })
    expect(Object.keys(file().requestContent())).toEqual(['*/*'])
  })
})
