import { createHash } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { fileStore } from '../../src/store/fs.js'
import { bytesOf, storeCases } from '../shared/store-suite.js'

test.beforeEach(async ({ page }) => {
  await page.goto('/test/browser/pages/store.html')
  await page.waitForFunction(() => 'tiffinTest' in window)
})

test.describe('IndexedDB model store (shared suite)', () => {
  for (const c of storeCases) {
    test(c.name, async ({ page }) => {
      expect(await page.evaluate((name) => window.tiffinTest.runStoreCase(name), c.name)).toBe('ok')
    })
  }
})

test('a model exported in Node imports in the browser and back with the same sha256 and bytes', async ({ page }) => {
  const node = fileStore(await mkdtemp(join(tmpdir(), 'tiffin-xrt-')))
  const bytes = bytesOf(200_000, 11)
  const info = await node.save('cross', bytes, {
    labels: { from: 'node' },
    signatures: { run: { batchable: true, batchDim: 0 } },
  })
  const archive = await node.export('cross')
  const back = await page.evaluate((a) => window.tiffinTest.roundTrip(a), Buffer.from(archive).toString('base64'))
  expect(back.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
  const returned = Buffer.from(back.archive, 'base64')
  expect(returned.equals(Buffer.from(archive))).toBe(true)
  const again = fileStore(await mkdtemp(join(tmpdir(), 'tiffin-xrt-')))
  expect(await again.import(new Uint8Array(returned))).toEqual(info)
  expect(Buffer.from(await again.read('cross')).equals(Buffer.from(bytes))).toBe(true)
})

test('a save over the storage quota fails with a clear error and leaves earlier models usable', async ({
  page,
  baseURL,
}) => {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 4_000_000 })
  const result = await page.evaluate(() => window.tiffinTest.overQuota(8_000_000))
  expect(result.code).toBe('storage_full')
  expect(result.error).toMatch(/quota is full; huge:\w+ was not saved and earlier models are intact/)
  expect(result.kept).toBe(true)
  expect(result.usage).toBeGreaterThan(10_000) // the store reports what it uses
  expect(result.quota).toBeGreaterThan(result.usage)
})
