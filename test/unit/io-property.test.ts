import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TiffinError } from '../../src/errors.js'
import type { IODescriptor } from '../../src/io/descriptor.js'
import { file } from '../../src/io/file.js'
import { image } from '../../src/io/image.js'
import { json, type StandardSchemaV1 } from '../../src/io/json.js'
import { multipart } from '../../src/io/multipart.js'
import { tensor } from '../../src/io/tensor.js'
import { text } from '../../src/io/text.js'
import { body, contentType, SEEDS, tensorHeaders } from '../support/hostile.js'

const positive: StandardSchemaV1<unknown, number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof value === 'number' && value > 0
        ? { value }
        : { issues: [{ message: 'Expected a positive number', path: [] }] },
  },
}

const DESCRIPTORS: [string, IODescriptor<unknown>][] = [
  ['json', json()],
  ['json with a schema', json({ schema: positive })],
  ['tensor', tensor()],
  ['tensor, enforced int8 [-1, 2]', tensor({ dtype: 'int8', shape: [-1, 2], enforceDtype: true, enforceShape: true })],
  ['tensor float16', tensor({ dtype: 'float16' })],
  ['tensor uint64', tensor({ dtype: 'uint64', shape: [2], enforceShape: true })],
  ['image', image()],
  ['image, png only, 64 pixels', image({ formats: ['png'], maxPixels: 64 })],
  ['text', text()],
  ['text of 5', text({ maxLength: 5 })],
  ['file', file()],
  ['file of images', file({ mediaTypes: ['image/*'] })],
  ['multipart', multipart({ a: text(), b: tensor(), c: image(), d: json() })],
]

/** Runs `work` and checks that it either succeeds or fails with a client error tiffin means to send. */
async function clientErrorOrValue(work: () => Promise<unknown>): Promise<void> {
  try {
    await work()
  } catch (error) {
    if (!(error instanceof TiffinError) || ![400, 413, 415, 422].includes(error.status)) throw error
  }
}

describe('every descriptor, given random bodies and content types', () => {
  it.each(DESCRIPTORS)(
    '%s: parse succeeds or throws a TiffinError of status 400, 413, 415 or 422',
    async (_, descriptor) => {
      await fc.assert(
        fc.asyncProperty(body, contentType, tensorHeaders, async (payload, type, extra) => {
          const headers = new Headers(extra)
          if (type !== undefined) headers.set('content-type', type)
          const init =
            typeof payload === 'string' || payload instanceof Uint8Array || payload instanceof Blob
              ? payload
              : JSON.stringify(payload)
          const request = new Request('http://tiffin.test/api', { method: 'POST', body: init as BodyInit, headers })
          if (type === undefined) request.headers.delete('content-type') // fetch adds one for strings and Blobs
          await clientErrorOrValue(() => descriptor.parse(request))
        }),
        { numRuns: 250 },
      )
    },
  )

  it.each(DESCRIPTORS.filter(([, d]) => d.parsePart))(
    '%s: parsePart succeeds or throws a client error',
    async (_, descriptor) => {
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const part =
            typeof payload === 'string'
              ? payload
              : payload instanceof Blob
                ? payload
                : new Blob([payload instanceof Uint8Array ? Uint8Array.from(payload) : JSON.stringify(payload)])
          await clientErrorOrValue(() => descriptor.parsePart!(part, 'field'))
        }),
        { numRuns: 150 },
      )
    },
  )

  it('the property is not vacuous: valid seeds parse', async () => {
    const npy = new Request('http://tiffin.test/api', {
      method: 'POST',
      body: Uint8Array.from(SEEDS[0]!),
      headers: { 'content-type': 'application/x-npy' },
    })
    expect((await tensor().parse(npy)).dims).toEqual([2, 2])
    const png = new Request('http://tiffin.test/api', {
      method: 'POST',
      body: Uint8Array.from(SEEDS[3]!),
      headers: { 'content-type': 'image/png' },
    })
    expect([...(await image().parse(png)).data.subarray(0, 12)]).toEqual([
      0, 0, 0, 255, 85, 85, 85, 255, 170, 170, 170, 255,
    ])
  })
})
