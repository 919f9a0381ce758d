// A service served in a dedicated worker of the page (serveInWorker / serveFromWorker): its answers, the
// bodies it takes, aborts, failures to start, a browser without nested workers, and a page that never freezes.
import { expect, test } from '@playwright/test'

test.beforeEach(async ({ page }) => {
  await page.goto('/test/browser/pages/serve-in-worker.html')
  await page.waitForFunction(() => 'inWorker' in window)
})

test('300 calls at once each get their own answer from runners in workers of the service worker, and the page never freezes', async ({
  page,
}) => {
  expect(await page.evaluate(() => window.inWorker.start('nested'))).toEqual({ runners: ['double', 'slow'] })
  const { answers, longTasks } = await page.evaluate(() => window.inWorker.burst(300))
  expect(answers).toEqual(Array.from({ length: 300 }, (_, i) => [2 * i, i === 0 ? 0 : -i])) // JSON has no -0
  expect(longTasks).toEqual([])
  const runners = JSON.parse((await page.evaluate(() => window.inWorker.status('/runners.json'))).body)
  expect(runners.runners.double.placement).toMatchObject({ workers: 2 })
})

test('a body goes to the worker however fetch was given it: string, Blob, bytes, Request or FormData', async ({
  page,
}) => {
  await page.evaluate(() => window.inWorker.start('nested'))
  const got = await page.evaluate(() => window.inWorker.bodies())
  const text = 'héllo, worker'
  expect(got).toEqual({
    string: { type: 'text/plain', text },
    blob: { type: 'text/plain', text },
    arrayBuffer: { type: 'text/plain', text },
    typedArray: { type: 'text/plain', text },
    request: { type: 'text/plain', text },
    formData: { type: 'text/plain', text }, // the form's one file
  })
})

test("the service's errors, routes and statuses come back as they are, and an aborted call rejects at once", async ({
  page,
}) => {
  await page.evaluate(() => window.inWorker.start('nested'))
  const bad = await page.evaluate(() =>
    window.inWorker.status('/double', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
  )
  expect(bad.status).toBe(400)
  expect(bad.contentType).toMatch(/json/)
  expect(JSON.parse(bad.body)).toMatchObject({ error: expect.any(String), message: expect.stringMatching(/JSON/i) })
  expect((await page.evaluate(() => window.inWorker.status('/nowhere'))).status).toBe(404)
  expect(JSON.parse((await page.evaluate(() => window.inWorker.status('/readyz'))).body)).toMatchObject({
    status: 'ready',
  })
  const aborted = await page.evaluate(() => window.inWorker.abort())
  expect(aborted).toMatchObject({ settled: 'rejected', name: 'AbortError' })
  expect((aborted as { ms: number }).ms).toBeLessThan(1_000) // the slow call takes 5 s
  // The worker goes on answering after the abort.
  expect((await page.evaluate(() => window.inWorker.burst(3))).answers).toEqual([
    [0, 0],
    [2, -1],
    [4, -2],
  ])
  expect(await page.evaluate(() => window.inWorker.close())).toEqual({
    afterClose: { name: 'NotStarted', message: 'The service in the worker was closed' },
  })
})

test('a worker script that fails to load, or is not there, rejects serveInWorker with why', async ({ page }) => {
  const broken = await page.evaluate(() => window.inWorker.start('broken'))
  expect(broken).toEqual({
    error: { name: 'NotStarted', message: expect.stringMatching(/failed .*the script broke as it loaded/) },
  })
  const missing = await page.evaluate(() => window.inWorker.start('missing'))
  expect(missing).toEqual({ error: { name: 'NotStarted', message: expect.stringMatching(/failed/) } })
})

test("where a worker cannot start workers, the service's runners run in its own thread", async ({ page }) => {
  expect(await page.evaluate(() => window.inWorker.start('flat'))).toEqual({ runners: ['double', 'slow'] })
  expect((await page.evaluate(() => window.inWorker.burst(20))).answers).toEqual(
    Array.from({ length: 20 }, (_, i) => [2 * i, i === 0 ? 0 : -i]),
  )
  const { runners } = JSON.parse((await page.evaluate(() => window.inWorker.status('/runners.json'))).body)
  expect(runners.double.placement.reason).toBe('in the calling thread (a worker without nested workers), no workers')
})
