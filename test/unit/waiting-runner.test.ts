// A service served before its model is saved: tiffin serve listens, /readyz says which runner waits for
// what, and the first call after the model is saved is answered, with no restart.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { fileStore } from '../../src/store/fs.js'
import { linearModel } from '../fixtures/models.js'
import { serveModule, type Served } from '../support/serve-child.js'

let served: Served | undefined
let home = ''

afterAll(async () => {
  served?.child.kill('SIGKILL')
  if (home) await rm(home, { recursive: true, force: true })
})

const predict = async (url: string) => {
  const response = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '[[1, 2, 3, 4]]',
  })
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  }
}

it('a runner whose model is saved after tiffin serve started waits for it, says so, and answers the first call after the save', async () => {
  home = await mkdtemp(join(tmpdir(), 'tiffin-waiting-'))
  served = await serveModule('test/fixtures/services/example.ts', home)
  await expect
    .poll(() => served!.stdout())
    .toMatch(/runner "linear" waits for model "linear:latest"; it starts on the first call after the model is saved/)

  const ready = await fetch(`${served.url}/readyz`)
  expect(ready.status).toBe(503)
  expect(await ready.json()).toMatchObject({
    status: 'starting',
    runners: { linear: 'waiting' },
    waiting: { linear: 'linear:latest' },
  })
  const refused = await predict(served.url)
  expect(refused).toMatchObject({ status: 503, body: { error: 'not_started' } })
  expect(Number(refused.retryAfter)).toBeGreaterThan(0)
  expect(refused.body.message).toMatch(
    /Runner "linear" is waiting for model "linear:latest", which its store does not hold yet/,
  )

  await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  const savedAt = performance.now()
  const answered = await predict(served.url)
  console.log(`answered ${Math.round(performance.now() - savedAt)} ms after the save`)
  expect(answered.status).toBe(200)
  const expected = linearModel().reference({ x: { dtype: 'float32', dims: [1, 4], data: Float32Array.of(1, 2, 3, 4) } })
    .y!.data
  ;(answered.body as unknown as number[][])[0]!.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5))
  expect((await fetch(`${served.url}/readyz`)).status).toBe(200)
}, 60_000)
