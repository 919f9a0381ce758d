// The OCR demo, end to end: `npm start` on a fresh store imports the OCR models, and /ocr.html reads the
// sample image in the page, in the Service Worker and on the Node server, with the same text each time.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PLACES = ['page', 'sw', 'node'] as const

/** Starts demo/start.ts as `npm start` does, on a free port; resolves with its URL and what it printed. */
function startDemo(home: string): Promise<{ child: ChildProcess; url: string; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TIFFIN_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no URL within 90 s:\n${lines.join('\n')}\n${stderr}`)), 90_000)
    let pending = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk
      const complete = pending.split('\n')
      pending = complete.pop()!
      for (const line of complete) {
        lines.push(line)
        const url = /^tiffin demo: (http:\/\/\S+)$/.exec(line)?.[1]
        if (url) (clearTimeout(timer), resolve({ child, url, lines }))
      }
    })
    child.once('exit', (code) => reject(new Error(`the demo exited with code ${code}:\n${lines.join('\n')}\n${stderr}`)))
  })
}

test('the OCR demo reads the sample image in the page, the Service Worker and on Node', async ({ page }) => {
  test.setTimeout(300_000)
  const home = mkdtempSync(join(tmpdir(), 'tiffin-ocr-demo-'))
  let child: ChildProcess | undefined
  try {
    const demo = await startDemo(home)
    child = demo.child
    expect(demo.lines.join('\n')).toContain('tiffin demo: imported the OCR models (ocr-det, ocr-cls, ocr-rec)')

    await page.goto(`${demo.url}/ocr.html`)
    await expect(page.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 })
    await expect(page.locator('#status-model')).toContainText('saved 3 of 3')

    const timings: Record<string, number> = {}
    for (const place of PLACES) {
      await page.locator(`label:has(input[value=${place}])`).click()
      await expect(page.locator('#runners dt').first()).toHaveText('ocr-det')
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

      await page.getByRole('button', { name: 'Send 8 images at once' }).click()
      await expect(page.locator('#load-note')).toContainText('images/s', { timeout: 120_000 })
      await expect(page.locator('#load-note')).not.toContainText('failed')
    }
    console.log(`OCR of the sample, second read: ${Object.entries(timings).map(([p, ms]) => `${p} ${ms} ms`).join(', ')}`)
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
