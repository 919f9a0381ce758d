import { describe, expect, it } from 'vitest'
import { io, Service } from '../../src/index.js'

describe('a service under too many calls', () => {
  it('answers calls beyond http.maxInFlight with 503 and Retry-After before reading their bodies, and recovers', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const service = new Service('busy', { config: { http: { maxInFlight: 2 } } }).api(
      { name: 'hold', input: io.text(), output: io.text() },
      async (text) => (await held, text),
    )
    const call = (body: string) =>
      service.fetch(
        new Request('http://local/hold', { method: 'POST', headers: { 'content-type': 'text/plain' }, body }),
      )
    const first = [call('a'), call('b')]
    await new Promise((resolve) => setTimeout(resolve, 20))
    const refused = await call('c')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toMatchObject({
      error: 'overloaded',
      message: expect.stringMatching(/handling 2 calls, its limit \(http\.maxInFlight\)/),
    })
    release()
    expect(await Promise.all(first.map(async (r) => (await r).text()))).toEqual(['a', 'b'])
    const after = await call('d')
    expect(await after.text()).toBe('d')
    expect(service.httpMetrics.inProgress).toBe(0)
    expect(service.httpMetrics.byApi.get('hold')?.statuses.get(503)).toBe(1)
  })
})

describe('a service under large bodies', () => {
  const service = new Service('limited', { config: { http: { maxBodyBytes: 1000 } } }).api(
    { name: 'echo', input: io.text(), output: io.text() },
    (text) => text,
  )
  const streamOf = (text: string): ReadableStream<Uint8Array> => {
    const bytes = new TextEncoder().encode(text)
    return new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 100) controller.enqueue(bytes.subarray(i, i + 100))
        controller.close()
      },
    })
  }
  const post = (body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    service.fetch(
      new Request('http://local/echo', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...headers },
        body,
        duplex: 'half',
      } as RequestInit),
    )

  it('refuses a body whose stated length is over http.maxBodyBytes with 413, and reads one within it', async () => {
    const refused = await post('x'.repeat(1001), { 'content-length': '1001' })
    expect(refused.status).toBe(413)
    expect(await (await post('x'.repeat(1000))).text()).toBe('x'.repeat(1000))
  })

  it('counts a body of unstated length as it streams in: over the limit is a 413, within it is read', async () => {
    const refused = await post(streamOf('y'.repeat(1500)))
    expect(refused.status).toBe(413)
    expect(await refused.json()).toMatchObject({
      error: 'payload_too_large',
      message: expect.stringContaining('1000 bytes'),
    })
    expect(await (await post(streamOf('y'.repeat(900)))).text()).toBe('y'.repeat(900))
  })
})

describe('a service under slow handlers', () => {
  it('answers a call past http.timeoutMs with 504 and aborts its signal, even when the handler ignores it', async () => {
    let signal: AbortSignal | undefined
    const service = new Service('slow', { config: { http: { timeoutMs: 50 } } }).api(
      { name: 'never', input: io.text(), output: io.text() },
      (_text, context) => {
        signal = context.signal
        return new Promise<string>(() => {})
      },
    )
    const response = await service.fetch(
      new Request('http://local/never', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
    )
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({ error: 'timeout', message: expect.stringContaining('50 ms') })
    expect(signal?.aborted).toBe(true)
    expect(service.httpMetrics.inProgress).toBe(0)
  })
})
