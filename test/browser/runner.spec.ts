import { expect, test } from '@playwright/test'

test.beforeEach(async ({ page }) => {
  await page.goto('/test/browser/pages/runner.html')
  await page.waitForFunction(() => 'runnerTest' in window)
})

test('one custom runnable backs two runners over Web Workers, and calls spread over both workers', async ({ page }) => {
  const result = await page.evaluate(() => window.runnerTest.twoRunners())
  expect(result.doubled).toEqual([2, 4, 6])
  expect(result.tripled).toEqual([3, -6])
  expect(result.threads).toHaveLength(2)
  expect(result.threads.every((t) => t.startsWith('web-'))).toBe(true)
  expect(result.placement).toMatchObject({ resource: 'wasm', workers: 2 }) // browsers run CPU code as WASM
})

test('a Web Worker that dies or hangs mid-call rejects the call with the runner named, and is replaced', async ({
  page,
}) => {
  const r = await page.evaluate(() => window.runnerTest.faults())
  expect(r.crashed).toEqual({
    name: 'WorkerLost',
    error: 'Runner "fragile": worker 0 closed itself (self.close()) while running "crash"',
  })
  expect(r.crashMs).toBeLessThan(1_500)
  expect(r.after).toEqual({ ok: [10] })
  expect(r.hung).toMatchObject({
    name: 'Timeout',
    error: expect.stringMatching(/Runner "fragile": "hang" did not finish within 1500 ms/),
  })
  expect(r.afterHang).toEqual({ ok: [12] })
  expect(r.refused).toEqual({ name: 'BadInput', error: 'scale refuses: nope' })
  expect(r.workers).toEqual({ live: 1, restarts: 2, setupFailures: 0 })
})

test('in a cross-origin-isolated page a runner asking for shared memory gets it, and answers as it does by message', async ({
  page,
}) => {
  const r = await page.evaluate(() => window.runnerTest.channels())
  expect(r.isolated).toBe(true)
  expect(r.shared.travel).toMatch(/; calls through shared memory \(up to 256 KiB\)$/)
  expect(r.message.travel).not.toMatch(/calls/)
  for (const way of [r.shared, r.message]) {
    expect(way.calls).toBeGreaterThan(20)
    expect(way.wrong).toBe(0)
    expect(way.echoedSame).toBe(true)
    expect(way.long).toEqual([500_000, 3])
    // A worker that dies mid-call fails the call at once, and its replacement answers.
    expect(way.crashed).toBe('WorkerLost')
    expect(way.crashMs).toBeLessThan(1_500)
    expect(way.afterCrash).toEqual({ ok: [8] })
  }
  // The one difference between the ways: shared memory leaves out a property that is undefined.
  expect(r.shared.undefinedKept).toBe(false)
  expect(r.message.undefinedKept).toBe(true)
})

test('a runnable whose setup throws makes init() reject with the cause', async ({ page }) => {
  const r = await page.evaluate(() => window.runnerTest.brokenSetup())
  expect(r.init).toMatchObject({ error: 'Runner "broken" failed to start: no weights' })
  expect(r.state).toBe('failed')
})
