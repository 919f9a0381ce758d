// A built folder, copied elsewhere and served as plain static files: the page copies the models into
// IndexedDB, registers the Service Worker, lends it workers, and the API answers with the host gone.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { tensor } from '../../src/tensor/tensor.js'
import { linearModel } from '../fixtures/models.js'
import { buildDemoBento, buildFixtureBento, copyElsewhere, type FixtureBento } from '../support/bento-fixture.js'
import { serveStatic, type StaticServer } from '../support/static-server.js'

/**
 * Copies a built bento elsewhere, removes the store it was built in (its sources are gone already), serves
 * the copy as static files, opens it and waits until the page is ready or failed; then cleans up.
 */
async function openCopy(page: Page, bento: FixtureBento, check: (host: StaticServer) => Promise<void>): Promise<void> {
  const copy = await copyElsewhere(bento.path)
  await bento.remove()
  const host = await serveStatic(copy)
  try {
    await page.goto(host.url)
    await page.waitForFunction(
      () => document.body.dataset.state === 'ready' || document.body.dataset.state === 'failed',
      null,
      { timeout: 120_000 },
    )
    expect(await page.locator('#error').innerText()).toBe('')
    await check(host)
  } finally {
    await host.close()
    await rm(join(copy, '..'), { recursive: true, force: true })
  }
}

test('a copied bento served as static files answers its API from the Service Worker, and still does, page and all, once the host is gone', async ({
  page,
}) => {
  test.setTimeout(180_000)
  await openCopy(page, await buildFixtureBento(), async (host) => {
    expect(await page.locator('#models').innerText()).toBe('Models: 1 in IndexedDB (1 copied now)')
    expect(await page.locator('#sw').innerText()).toBe('Service Worker: answering /api/*')
    // The page's workers run both runners, the custom one included (bundled in, found by name).
    expect(await page.locator('#runners').innerText()).toMatch(
      /^Runners: linear \(onnx linear:\S+ on (webgpu|wasm) .*\), doubler \(ready\)$/,
    )

    const rows = Array.from({ length: 6 }, (_, i) => [i, -i, i / 2, 1])
    const expected = linearModel().reference({ x: tensor('float32', [6, 4], Float32Array.from(rows.flat())) }).y!
    const callAll = () =>
      page.evaluate(async (rows) => {
        const post = async (path: string, body: unknown) => {
          const response = await fetch(path, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
          return { status: response.status, body: await response.json() }
        }
        const doubled = await Promise.all(Array.from({ length: 20 }, (_, i) => post('api/double', [i, i + 0.25])))
        return { predicted: await post('api/predict', rows), doubled, ready: await (await fetch('api/readyz')).json() }
      }, rows)
    const check = (answers: Awaited<ReturnType<typeof callAll>>) => {
      expect(answers.predicted.status).toBe(200)
      ;(answers.predicted.body as number[][])
        .flat()
        .forEach((value, i) => expect(value).toBeCloseTo(expected.data[i] as number, 4))
      answers.doubled.forEach((answer, i) => expect(answer).toEqual({ status: 200, body: [2 * i, 2 * i + 0.5] }))
      expect(answers.ready).toMatchObject({ status: 'ready', runners: { linear: 'ready', doubler: 'ready' } })
      // And what each runner runs on, and why.
      expect(Object.keys((answers.ready as { backends: object }).backends).sort()).toEqual(['doubler', 'linear'])
    }
    check(await callAll())

    await host.close()
    expect(
      await page.evaluate(() =>
        fetch('bento.json', { cache: 'no-store' }).then(
          () => 'reached',
          () => 'unreachable',
        ),
      ),
    ).toBe('reached') // from the Service Worker's cache
    check(await callAll())

    // The page itself opens again with the host gone: the Service Worker kept its files.
    await page.reload()
    await page.waitForFunction(
      () => document.body.dataset.state === 'ready' || document.body.dataset.state === 'failed',
      null,
      { timeout: 120_000 },
    )
    expect(await page.locator('#error').innerText()).toBe('')
    expect(await page.locator('#models').innerText()).toBe('Models: 1 in IndexedDB')
    check(await callAll())
  })
})

test('the demo, built and copied, serves its page and API from static files', async ({ page }) => {
  test.setTimeout(180_000)
  await openCopy(page, await buildDemoBento(), async (host) => {
    expect(await page.locator('h1').innerText()).toBe('demo')
    await host.close()
    const rows = [
      [1, 2, 3, 4],
      [0.5, -1, 0, 2],
    ]
    const answer = await page.evaluate(async (rows) => {
      const response = await fetch('api/predict', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      })
      return { status: response.status, body: (await response.json()) as number[][] }
    }, rows)
    const expected = linearModel().reference({ x: tensor('float32', [2, 4], Float32Array.from(rows.flat())) }).y!
    expect(answer.status).toBe(200)
    answer.body.flat().forEach((value, i) => expect(value).toBeCloseTo(expected.data[i] as number, 4))
  })
})
