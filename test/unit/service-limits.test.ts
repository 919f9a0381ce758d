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
    const call = (body: string) => service.fetch(new Request('http://local/hold', { method: 'POST', headers: { 'content-type': 'text/plain' }, body }))
    const first = [call('a'), call('b')]
    await new Promise((resolve) => setTimeout(resolve, 20))
    const refused = await call('c')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toMatchObject({ error: 'overloaded', message: expect.stringMatching(/handling 2 calls, its limit \(http\.maxInFlight\)/) })
    release()
    expect(await Promise.all(first.map(async (r) => (await r).text()))).toEqual(['a', 'b'])
    const after = await call('d')
    expect(await after.text()).toBe('d')
    expect(service.httpMetrics.inProgress).toBe(0)
    expect(service.httpMetrics.byApi.get('hold')?.statuses.get(503)).toBe(1)
  })
})
