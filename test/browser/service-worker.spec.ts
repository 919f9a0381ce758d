import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { fileStore } from '../../src/store/fs.js'
import { linearModel } from '../fixtures/models.js'
import { expectedStatuses, runTable } from '../shared/http-table.js'
import { serveModule } from '../support/serve-child.js'

const PAGE = '/test/browser/pages/sw.html'

async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await page.goto(PAGE)
  await page.waitForFunction(() => 'swTest' in window)
  return page
}

test('a Service Worker serves the example service with its runner embedded, and lets other requests through', async ({
  page,
}) => {
  test.setTimeout(120_000)
  await page.goto(PAGE)
  await page.waitForFunction(() => 'swTest' in window)
  expect(await page.evaluate(() => window.swTest.register('sw-embedded.ts'))).toContain('sw-embedded.ts')
  expect(await page.evaluate(() => window.swTest.predictMany(12))).toEqual({ right: 12, refused: {}, problems: [] })
  // Outside the prefix the network (here Vite) answers, not the service.
  const passThrough = await page.evaluate(async () => {
    const response = await fetch('/test/browser/pages/sw.html')
    return { status: response.status, html: (await response.text()).includes('Service Worker tests') }
  })
  expect(passThrough).toEqual({ status: 200, html: true })
  const health = await page.evaluate(async () => (await fetch('/test/browser/pages/api/readyz')).json())
  expect(health).toMatchObject({
    status: 'ready',
    runners: { linear: 'ready' },
    backends: { linear: { resource: expect.stringMatching(/^(webgpu|wasm)$/) } },
  })
  // A page navigation is answered too: the docs page opens in a tab, served by the Service Worker.
  const docs = await page.goto('/test/browser/pages/api/docs')
  expect(docs?.status()).toBe(200)
  expect(await page.locator('h1').innerText()).toBe('example')
})

test('runners delegated to a page: closing the lending page and opening another loses no request', async ({
  context,
}) => {
  test.setTimeout(180_000)
  const lender = await open(context)
  await lender.evaluate(() => window.swTest.register('sw-delegated.ts'))
  await lender.evaluate(() => window.swTest.lend())
  const caller = await open(context)
  expect(await caller.evaluate(() => window.swTest.predictMany(8))).toEqual({ right: 8, refused: {}, problems: [] })

  expect(await lender.evaluate(() => window.swTest.handled())).toBeGreaterThanOrEqual(8)

  // Requests in flight while the lending page closes, and requests made while no page lends, wait for
  // the next page to lend its workers: none is lost, none is answered wrong.
  const inFlight = caller.evaluate(() => window.swTest.predictMany(40))
  await lender.close({ runBeforeUnload: false })
  const whileNoPage = caller.evaluate(() => window.swTest.predictMany(20, 2000))
  await caller.waitForTimeout(500)
  const second = await open(context)
  await second.evaluate(() => window.swTest.lend())
  expect(await inFlight).toEqual({ right: 40, refused: {}, problems: [] })
  expect(await whileNoPage).toEqual({ right: 20, refused: {}, problems: [] })
  expect(await second.evaluate(() => window.swTest.handled())).toBeGreaterThanOrEqual(20)
})

test('updating the Service Worker while 200 requests are in flight loses none of them, and the new one answers', async ({
  page,
}) => {
  test.setTimeout(120_000)
  await page.goto(PAGE)
  await page.waitForFunction(() => 'swTest' in window)
  await page.evaluate(() => window.swTest.register('sw-embedded.ts'))
  // All sent as the update starts: the old Service Worker answers them while the new one installs and takes over.
  const before = page.evaluate(() => window.swTest.predictMany(200))
  expect(await page.evaluate(() => window.swTest.register('sw-embedded-v2.ts'))).toContain('sw-embedded-v2.ts')
  const after = await page.evaluate(() => window.swTest.predictMany(20, 2000))
  expect(await before).toEqual({ right: 200, refused: {}, problems: [] })
  expect(after).toEqual({ right: 20, refused: {}, problems: [] })
  expect(await page.evaluate(() => window.swTest.controller())).toContain('sw-embedded-v2.ts')
})

test('one example service file, served by Node and by a Service Worker, answers a table of requests alike', async ({
  page,
}) => {
  test.setTimeout(120_000)
  const home = await mkdtemp(join(tmpdir(), 'tiffin-parity-'))
  await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  const node = await serveModule('test/fixtures/services/example.ts', home)
  try {
    const fromNode = await runTable((request) => fetch(request), node.url)
    await page.goto(PAGE)
    await page.waitForFunction(() => 'swTest' in window)
    await page.evaluate(() => window.swTest.register('sw-embedded.ts'))
    const fromServiceWorker = await page.evaluate(() => window.swTest.runTable())
    expect(fromNode.map((r) => r.status)).toEqual(expectedStatuses)
    expect(fromServiceWorker).toEqual(fromNode)
  } finally {
    node.child.kill('SIGTERM')
    await rm(home, { recursive: true, force: true })
  }
})
