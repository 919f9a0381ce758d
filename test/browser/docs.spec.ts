// The docs page of a service served by `tiffin serve`, in real Chromium: it lists every API and works
// offline (nothing loaded from another origin), as it must when a Service Worker serves it.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { fileStore } from '../../src/store/fs.js'
import { linearModel } from '../fixtures/models.js'
import { serveModule, type Served } from '../support/serve-child.js'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SCREENSHOT = join(REPO_ROOT, 'test-results', 'docs-page.png')

let home: string
let server: Served

test.beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tiffin-docs-'))
  await fileStore(home).save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
  server = await serveModule('test/fixtures/services/example.ts', home)
})

test.afterAll(async () => {
  server?.child.kill('SIGTERM')
  await rm(home, { recursive: true, force: true })
})

test('the docs page lists every API, loads nothing from elsewhere, and renders', async ({ page }) => {
  const requested: string[] = []
  page.on('request', (request) => requested.push(request.url()))
  const response = await page.goto(`${server.url}/docs`)
  expect(response?.status()).toBe(200)

  const operations = await page.locator('section h3').allInnerTexts()
  for (const route of ['/predict', '/greet', '/shout', '/measure']) expect(operations).toContainEqual(`POST ${route}`)
  await expect(page.locator('h1')).toHaveText('example')

  // Every request the page made went to the server itself: no CDN script, font or stylesheet.
  expect(requested.length).toBeGreaterThan(0)
  for (const address of requested) expect(new URL(address).origin).toBe(new URL(server.url).origin)

  await mkdir(join(REPO_ROOT, 'test-results'), { recursive: true })
  await page.screenshot({ path: SCREENSHOT, fullPage: true })
  const png = await readFile(SCREENSHOT)
  expect(png.byteLength).toBeGreaterThan(1000)
  expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')
})
