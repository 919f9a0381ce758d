// The demo's Service Worker serves two services, each with its own models. Whichever page is opened first,
// the other service's runners wait for their models, start once the second page saves them, and answer
// through the Service Worker without a reload; the pages' status lines say what the Service Worker does.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { tensor } from '../../src/tensor/tensor.js'
import { linearModel } from '../fixtures/models.js'
import { startDemo, type Demo } from '../support/demo-server.js'
import { CHROMIUM_ARGS, findChromium } from './find-chromium.mjs'

// This spec is about the order pages open in, not about WebGPU: without WebGPU the OCR runners start on
// WASM at once, rather than checking WebGPU on the software adapter for minutes in the page and again in
// the Service Worker (ocr-demo.spec.ts and webgpu-check.spec.ts test that check).
test.use({
  launchOptions: {
    executablePath: findChromium(),
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--enable-unsafe-webgpu'),
  },
})

const readyz = (page: Page, prefix: string) =>
  page.evaluate(async (p) => {
    const response = await fetch(`${p}/readyz`)
    return {
      status: response.status,
      body: (await response.json()) as { runners: Record<string, string>; waiting?: Record<string, string> },
    }
  }, prefix)

/** A prediction through the Service Worker's /api, checked against the reference. */
async function expectLinearThroughServiceWorker(page: Page): Promise<void> {
  const row = [1, -2, 0.5, 3]
  const answer = await page.evaluate(async (r) => {
    const response = await fetch('/api/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([r]),
    })
    return { status: response.status, body: (await response.json()) as number[][] }
  }, row)
  expect(answer.status).toBe(200)
  const expected = linearModel().reference({ x: tensor('float32', [1, 4], Float32Array.from(row)) }).y!.data
  answer.body[0]!.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4))
}

async function readSampleThroughServiceWorker(page: Page): Promise<void> {
  await page.locator('label:has(input[value=sw])').click()
  await page.getByRole('button', { name: 'Read the sample image' }).click()
  await expect(page.locator('#ocr-result[data-place=sw]')).toHaveAttribute('data-state', 'done', { timeout: 180_000 })
  await expect(page.locator('#lines .text')).toHaveText(['HELLO WORLD', 'tiffin serves models'])
}

let demo: Demo | undefined
let home = ''
test.beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'tiffin-demo-order-'))
  demo = await startDemo(home)
})
test.afterEach(async () => {
  await demo?.stop()
  rmSync(home, { recursive: true, force: true })
})

test('the OCR page first, then the linear page: the linear runner waits for its model, then answers through the Service Worker', async ({
  context,
}) => {
  test.setTimeout(400_000)
  const ocr = await context.newPage()
  await ocr.goto(`${demo!.url}/ocr.html`)
  await expect(ocr.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 })
  expect(await readyz(ocr, '/api')).toMatchObject({
    status: 503,
    body: { runners: { 'demo-linear': 'waiting' }, waiting: { 'demo-linear': 'demo-linear:latest' } },
  })

  const linear = await context.newPage()
  await linear.goto(demo!.url)
  await expect(linear.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 })
  await expect(linear.locator('#status-sw')).toContainText('Service Worker: serving /api', { timeout: 30_000 })
  await expectLinearThroughServiceWorker(linear)
  await readSampleThroughServiceWorker(ocr)
})

test('the linear page first, then the OCR page: the OCR runners wait for their models, the status line says so, then they answer', async ({
  context,
}) => {
  test.setTimeout(400_000)
  const linear = await context.newPage()
  await linear.goto(demo!.url)
  await expect(linear.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 })
  const waiting = await readyz(linear, '/ocr-api')
  expect(waiting.status).toBe(503)
  expect(waiting.body.waiting).toEqual({
    'ocr-det': 'ocr-det:latest',
    'ocr-cls': 'ocr-cls:latest',
    'ocr-rec': 'ocr-rec:latest',
  })

  // The Service Worker runs on the worker the leading tab lends; a second tab follows and lends none.
  await linear.locator('label:has(input[value=sw])').click()
  await expect(linear.locator('#placement')).toContainText('1 worker: lent by the leading tab', { timeout: 30_000 })
  const second = await context.newPage()
  await second.goto(demo!.url)
  await expect(second.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 })
  await expect(second.locator('body')).toHaveAttribute('data-role', 'follower')
  await expectLinearThroughServiceWorker(second)
  await expect(linear.locator('#placement')).toContainText('1 worker: lent by the leading tab', { timeout: 30_000 })
  await second.close()

  const ocr = await context.newPage()
  await ocr.goto(`${demo!.url}/ocr.html`)
  await expect(ocr.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 })
  await expect(ocr.locator('#status-sw')).toContainText('Service Worker: serving /ocr-api', { timeout: 240_000 })
  await readSampleThroughServiceWorker(ocr)
  await expectLinearThroughServiceWorker(linear)
})
