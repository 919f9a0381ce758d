// The linear demo open in three tabs shares one copy of its runner: one tab leads (a Web Lock) and runs the
// runner's worker, lent to the Service Worker; the others start none and call it there. Closing the leader
// under load loses no call, and the next tab leads.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { tensor } from '../../src/tensor/tensor.js'
import { linearModel } from '../fixtures/models.js'
import { startDemo, type Demo } from '../support/demo-server.js'
import { descendantsMemoryMB } from '../support/process-memory.js'

const model = linearModel()
/** The model's answer for a row, computed apart from ONNX Runtime. */
const expected = (row: number[]): number[] =>
  Array.from(model.reference({ x: tensor('float32', [1, 4], Float32Array.from(row)) }).y!.data as Float32Array)
const rowFor = (i: number): number[] => [i % 7, (i % 5) - 2, Math.sin(i), 1]

/** Sends `/api/predict` calls from a tab, `concurrency` at a time, for `ms`; returns each row and its answer. */
const load = (page: Page, ms: number, concurrency: number) =>
  page.evaluate(
    async ([ms, concurrency]) => {
      const until = performance.now() + ms
      const answers: { i: number; status: number; y: number[] | string }[] = []
      let next = 0
      const caller = async (): Promise<void> => {
        while (performance.now() < until) {
          const i = next++
          const row = [i % 7, (i % 5) - 2, Math.sin(i), 1]
          const response = await fetch('/api/predict', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify([row]),
          })
          answers.push({
            i,
            status: response.status,
            y: response.ok ? (await response.json())[0] : await response.text(),
          })
        }
      }
      await Promise.all(Array.from({ length: concurrency }, caller))
      return answers
    },
    [ms, concurrency] as const,
  )

async function openTab(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 90_000 })
}

test('three tabs of the demo share one runner: one tab has workers, all three are answered right and batched together, and closing the leader under load loses nothing', async ({
  browser,
}) => {
  test.setTimeout(300_000)
  const home = mkdtempSync(join(tmpdir(), 'tiffin-tabs-'))
  let demo: Demo | undefined
  const context = await browser.newContext()
  try {
    demo = await startDemo(home)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const memory = [descendantsMemoryMB()]
    const tabs: Page[] = []
    for (let i = 0; i < 3; i++) {
      const tab = await context.newPage()
      await openTab(tab, demo.url)
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      tabs.push(tab)
      memory.push(descendantsMemoryMB())
    }
    const [first, second, third] = memory.slice(1).map((m, i) => m - memory[i]!)
    console.log(
      `browser memory (PSS): ${memory.map((m) => m.toFixed(0)).join(' → ')} MB; each tab cost ${[first, second, third].map((m) => m!.toFixed(0)).join(', ')} MB`,
    )

    expect(await Promise.all(tabs.map((t) => t.locator('body').getAttribute('data-role')))).toEqual([
      'leader',
      'follower',
      'follower',
    ])
    // Only the leader runs workers: the service's, and its runner's.
    const workers = tabs.map((t) => t.workers().length)
    expect(workers[0]).toBeGreaterThan(0)
    expect(workers.slice(1)).toEqual([0, 0])
    expect(third!).toBeLessThan(first! / 5)

    // A burst of 200 from each tab at once, each in "this page" mode: all answered, in batches.
    for (const tab of tabs) await tab.locator('label:has(input[value=page])').click()
    await Promise.all(tabs.map((t) => t.getByRole('button', { name: 'Fire 200 concurrent requests' }).click()))
    for (const tab of tabs) {
      await expect(tab.locator('#stats[data-place=page]')).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
      await expect(tab.locator('#stat-errors')).toHaveText('0')
      expect(Number(await tab.locator('#stat-batch').textContent())).toBeGreaterThan(1)
    }

    // The Service Worker ran all of that on the leader's lent worker, with no copy of the model of its own.
    const described = await tabs[2]!.evaluate(async () => {
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"include":["runner"]}' }
      return (await (await fetch('/api/describe', init)).json()) as { runner: { workers: { live: number } } }
    })
    expect(described.runner.workers.live).toBe(1)

    // The leader closes under load from the other two: every call is answered right, and the next tab leads.
    const loads = [load(tabs[1]!, 8_000, 8), load(tabs[2]!, 8_000, 8)]
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const closedAt = Date.now()
    await tabs[0]!.close({ runBeforeUnload: false })
    await expect(tabs[1]!.locator('body')).toHaveAttribute('data-role', 'leader', { timeout: 15_000 })
    console.log(`the next tab led ${Date.now() - closedAt} ms after the leader closed`)
    for (const answers of await Promise.all(loads)) {
      expect(answers.length).toBeGreaterThan(50)
      for (const { i, status, y } of answers) {
        expect(status, String(y)).toBe(200)
        ;(y as number[]).forEach((v, k) => expect(v).toBeCloseTo(expected(rowFor(i))[k]!, 4))
      }
    }
    expect(tabs[1]!.workers().length).toBeGreaterThan(0)
    expect(tabs[2]!.workers()).toHaveLength(0)
  } finally {
    await context.close()
    demo?.child.kill('SIGKILL')
    rmSync(home, { recursive: true, force: true })
  }
})
