// The OCR demo, end to end: `npm start` on a fresh store imports the OCR models, and /ocr.html reads the
// sample image in the page, in the Service Worker and on the Node server, with the same text each time.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { startDemo } from '../support/demo-server.js'
import { takeLongTasks, watchLongTasks } from '../support/long-tasks.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PLACES = ['page', 'sw', 'node'] as const

test('the OCR demo reads the sample image in the page, the Service Worker and on Node', async ({ page }) => {
  test.setTimeout(300_000)
  const home = mkdtempSync(join(tmpdir(), 'tiffin-ocr-demo-'))
  let child: ChildProcess | undefined
  try {
    const demo = await startDemo(home)
    child = demo.child
    expect(demo.lines.join('\n')).toContain('tiffin demo: imported the OCR models (ocr-det, ocr-cls, ocr-rec)')

    await watchLongTasks(page)
    await page.goto(`${demo.url}/ocr.html`)
    await expect(page.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 })
    await expect(page.locator('#status-model')).toContainText('saved 3 of 3')

    const timings: Record<string, number> = {}
    const backends: string[] = []
    const loads: string[] = []
    for (const place of PLACES) {
      await page.locator(`label:has(input[value=${place}])`).click()
      // Each runner says what it runs on and why (in a browser, what its WebGPU check picked).
      await expect(page.locator(`#runners[data-place=${place}] dt`)).toHaveText(['ocr-det', 'ocr-cls', 'ocr-rec'], {
        timeout: 120_000,
      })
      for (const [i, text] of (await page.locator('#runners dd').allInnerTexts()).entries()) {
        expect(text).toMatch(/^(webgpu|wasm|cpu) \(onnxruntime-(web|node)\): \S.+/)
        backends.push(`${place} ${['ocr-det', 'ocr-cls', 'ocr-rec'][i]}: ${text}`)
      }
      await page.getByRole('button', { name: 'Read the sample image' }).click()
      const result = page.locator(`#ocr-result[data-place=${place}]`)
      await expect(result).toHaveAttribute('data-state', /done|error/, { timeout: 90_000 })
      await expect(page.locator('#ocr-note')).not.toContainText('Failed')
      // The first read in a place starts its sessions; the second shows the steady state.
      await page.getByRole('button', { name: 'Read again' }).click()
      await expect(result).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
      timings[place] = Number(await result.getAttribute('data-ms'))
      await expect(page.locator('#lines .text')).toHaveText(['HELLO WORLD', 'tiffin serves models'])
      await expect(page.locator('#boxes polygon')).toHaveCount(2)

      await takeLongTasks(page)
      await page.getByRole('button', { name: 'Send 8 images at once' }).click()
      await expect(page.locator('#load-note')).toContainText('images/s', { timeout: 120_000 })
      await expect(page.locator('#load-note')).not.toContainText('failed')
      const longTasks = await takeLongTasks(page)
      loads.push(
        `${place}: ${await page.locator('#load-note').innerText()} Long tasks on the page: ${longTasks.length ? longTasks.map(Math.round).join(', ') + ' ms' : 'none'}`,
      )
      // The service runs in a worker of the page: the page's thread never freezes while 8 images are read
      // (with the handlers on it, a task of 200 to 800 ms an image). On 2 cores that the runners' WASM threads
      // keep busy, a task of the page's own (a chart redrawn) can be stretched past 50 ms, once in a full test
      // run to 163 ms: none may reach 200 ms, and together they stay under 400 ms.
      if (place === 'page') {
        expect(longTasks.filter((ms) => ms >= 200)).toEqual([])
        expect(longTasks.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(400)
      }
    }
    console.log(`OCR, 8 images at once:\n  ${loads.join('\n  ')}`)
    console.log(`OCR runners' backends and reasons:\n  ${backends.join('\n  ')}`)
    console.log(
      `OCR of the sample, second read: ${Object.entries(timings)
        .map(([p, ms]) => `${p} ${ms} ms`)
        .join(', ')}`,
    )
    // The dashboard has drawn the load on Node, the place chosen last.
    await expect(page.locator('#chart-batch path').first()).toBeAttached({ timeout: 5_000 })
    await page.getByRole('button', { name: 'Read again' }).click()
    await expect(page.locator('#ocr-result')).toHaveAttribute('data-state', 'done')
    await page.waitForTimeout(1_200)
    await page.screenshot({ path: join(ROOT, 'test-results/ocr-demo.png'), fullPage: true })
  } finally {
    child?.kill('SIGTERM')
    rmSync(home, { recursive: true, force: true })
  }
})
