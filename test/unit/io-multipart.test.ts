import { describe, expect, it } from 'vitest'
import { Unprocessable, UnsupportedMediaType } from '../../src/errors.js'
import { file } from '../../src/io/file.js'
import { image } from '../../src/io/image.js'
import { json } from '../../src/io/json.js'
import { multipart } from '../../src/io/multipart.js'
import { writeNpy } from '../../src/tensor/npy.js'
import { tensor } from '../../src/io/tensor.js'
import { text } from '../../src/io/text.js'
import { encode as encodePng } from 'fast-png'

const postForm = (entries: [string, string | Blob][]) => {
  const form = new FormData()
  for (const [name, value] of entries) form.append(name, value)
  return new Request('http://tiffin.test/api', { method: 'POST', body: form })
}
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('parse resolved'),
    (e: unknown) => e as Error,
  )

describe('multipart', () => {
  const d = multipart({ prompt: text(), options: json(), input: tensor({ dtype: 'float32' }) })

  it('reads each field with its own descriptor', async () => {
    const npy = writeNpy({ dtype: 'float32', dims: [2], data: new Float32Array([1, 2]) })
    const value = await d.parse(
      postForm([
        ['prompt', 'a cat'],
        ['options', '{"steps": 4}'],
        ['input', new Blob([npy])],
      ]),
    )
    expect(value).toEqual({
      prompt: 'a cat',
      options: { steps: 4 },
      input: { dtype: 'float32', dims: [2], data: new Float32Array([1, 2]) },
    })
  })

  it('reads an image and a file part', async () => {
    const png = encodePng({
      width: 1,
      height: 1,
      channels: 4,
      depth: 8,
      data: new Uint8Array([1, 2, 3, 4]),
    }) as Uint8Array<ArrayBuffer>
    const form = multipart({ picture: image(), attachment: file() })
    const value = await form.parse(
      postForm([
        ['picture', new Blob([png], { type: 'image/png' })],
        ['attachment', new Blob(['x'], { type: 'text/csv' })],
      ]),
    )
    expect(value.picture.data).toEqual(new Uint8ClampedArray([1, 2, 3, 4]))
    expect(value.attachment.type).toBe('text/csv')
  })

  it('answers a missing field with a 422 naming it', async () => {
    const error = await rejection(
      d.parse(
        postForm([
          ['prompt', 'x'],
          ['input', '[1]'],
        ]),
      ),
    )
    expect(error).toBeInstanceOf(Unprocessable)
    expect(error.message).toBe('Missing form field "options"; expected "prompt", "options", "input"')
  })

  it('answers unknown and repeated fields with a 422 listing the expected ones', async () => {
    const unknown = await rejection(
      d.parse(
        postForm([
          ['prompt', 'x'],
          ['options', '{}'],
          ['input', '[1]'],
          ['extra', '1'],
        ]),
      ),
    )
    expect(unknown.message).toBe('Unexpected form field "extra"; expected "prompt", "options", "input"')
    const twice = await rejection(
      d.parse(
        postForm([
          ['prompt', 'x'],
          ['prompt', 'y'],
          ['options', '{}'],
          ['input', '[1]'],
        ]),
      ),
    )
    expect(twice).toMatchObject({ status: 422, message: 'Form field "prompt" appears 2 times; expected once' })
  })

  it("names the field in a part's own error, keeping its status", async () => {
    const error = await rejection(
      d.parse(
        postForm([
          ['prompt', 'x'],
          ['options', '{oops'],
          ['input', '[1]'],
        ]),
      ),
    )
    expect(error).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^Field "options": The body is not valid JSON: /),
    })
  })

  it('refuses a body that is not multipart/form-data with a 415', async () => {
    const request = new Request('http://tiffin.test/api', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    })
    expect(await rejection(d.parse(request))).toBeInstanceOf(UnsupportedMediaType)
    const broken = new Request('http://tiffin.test/api', {
      method: 'POST',
      body: 'garbage',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    })
    expect(await rejection(d.parse(broken))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^The body is not valid multipart\/form-data/),
    })
  })

  it('refuses, when declared, a field whose descriptor cannot read a part', () => {
    expect(() => multipart({ nested: multipart({}) })).toThrow(
      'Field "nested": a multipart descriptor cannot read a multipart part',
    )
  })

  it('answers a form whose fields are written by their descriptors', async () => {
    const response = await d.serialize({
      prompt: 'done',
      options: { ok: true },
      input: { dtype: 'float32', dims: [1], data: new Float32Array([0.5]) },
    })
    expect(response.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/)
    const form = await response.formData()
    expect(form.get('prompt')).toBe('done')
    expect(JSON.parse(await (form.get('options') as Blob).text())).toEqual({ ok: true })
    expect(JSON.parse(await (form.get('input') as Blob).text())).toEqual([0.5])
  })

  it('describes the form in OpenAPI: a property per field, and each field’s encoding', () => {
    const content = d.requestContent()['multipart/form-data'] as unknown as {
      schema: Record<string, unknown>
      encoding: Record<string, unknown>
    }
    expect(content.schema).toEqual({
      type: 'object',
      properties: {
        prompt: { type: 'string' },
        options: {},
        input: expect.objectContaining({ oneOf: expect.any(Array) }),
      },
      required: ['prompt', 'options', 'input'],
    })
    expect(content.encoding).toEqual({
      prompt: { contentType: 'text/plain' },
      options: { contentType: 'application/json' },
      input: { contentType: 'application/json, application/x-npy, application/octet-stream' },
    })
  })
})
