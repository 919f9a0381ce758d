// tiffin in a user's Vite app, as the README's "Use it in your app" shows it: a new app outside the
// repository installs the packed tarball, takes the README's files as they are, and runs under `vite`
// dev and as a `vite build` served by a plain static server; and the same app without the plugin.
import { expect, test, type Page } from '@playwright/test'
import { linearModel } from '../fixtures/models.js'
import { readmeFiles } from '../support/readme.js'
import { scratchApp, type ScratchApp } from '../support/scratch-app.js'
import { serveStatic } from '../support/static-server.js'

const QUICK_START = readmeFiles('Use it in your app')
/** The README's page whose tabs share one copy of the runners. */
const SHARED_PAGE = readmeFiles('Services')['src/main.ts']!
const WITH_PLUGIN = QUICK_START['vite.config.ts']!
const WITHOUT_PLUGIN = "import { defineConfig } from 'vite'\n\nexport default defineConfig({})\n"

/** A page that runs the README's own runnable on one Web Worker of the page, with other init params. */
const WORKER_PAGE = {
  'index.html': QUICK_START['index.html']!.replace('/src/main.ts', '/src/worker-only.ts'),
  'src/worker-only.ts': `import { Runner } from 'tiffin-serve'
import { browserPlatform } from 'tiffin-serve/browser'
import scale from './scale.js'

const triple = new Runner(scale, { name: 'triple', runnableInitParams: { factor: 3 }, workers: 1 })
const out = document.querySelector('#out')!
try {
  await triple.init({ platform: browserPlatform })
  out.textContent = JSON.stringify({ tripled: await triple.run([1, 2, 3.5]), notes: triple.notes })
} catch (error) {
  out.textContent = JSON.stringify({ error: (error as Error).message })
}
`,
}

/** 200 requests at once from the page to the README's service in a worker of the page, long tasks observed. */
const BURST_PAGE = {
  'index.html': QUICK_START['index.html']!.replace('/src/main.ts', '/src/burst.ts'),
  'src/burst.ts': `import { serveInWorker } from 'tiffin-serve/browser'

const app = await serveInWorker(new Worker(new URL('./service.worker.ts', import.meta.url), { type: 'module' }))
const longTasks: number[] = []
new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' })
const doubled = await Promise.all(
  Array.from({ length: 200 }, async (_, i) => {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([i, i + 0.5]) }
    return (await app.fetch('/double', init)).json()
  }),
)
// Long tasks are reported once they end.
await new Promise((resolve) => setTimeout(resolve, 200))
document.querySelector('#out')!.textContent = JSON.stringify({ doubled, longTasks })
`,
}

interface QuickStartOutput {
  readonly predictions: number[][]
  readonly meanBatch: number
  readonly workers: number
  readonly doubled: number[]
  readonly notes: string[]
}

let app: ScratchApp

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  test.setTimeout(300_000)
  app = await scratchApp()
  await app.write({ ...QUICK_START, 'public/linear.onnx': linearModel().bytes })
})

test.afterAll(async () => {
  await app?.remove()
})

/** Opens the page, collects its uncaught errors, and waits for `#out` to hold JSON. */
async function open(page: Page, url: string): Promise<{ out: unknown; errors: string[] }> {
  const errors: string[] = []
  // A page that fails at its top level never writes #out: its uncaught error ends the wait instead.
  const failed = new Promise<void>((resolve) =>
    page.on('pageerror', (error) => (errors.push(error.message), resolve())),
  )
  await page.goto(url)
  await Promise.race([
    page.waitForFunction(() => document.querySelector('#out')?.textContent?.startsWith('{'), null, {
      timeout: 120_000,
    }),
    failed,
  ])
  const text = await page.locator('#out').innerText()
  return { out: text.startsWith('{') ? JSON.parse(text) : undefined, errors }
}

/** Builds the app with `files` in place of the quick start's, opens it, and puts the quick start back. */
async function openBuilt(page: Page, files: Record<string, string>): Promise<{ out: unknown; errors: string[] }> {
  await app.write({ 'vite.config.ts': WITH_PLUGIN, ...files })
  const host = await serveStatic(await app.build())
  try {
    return await open(page, host.url)
  } finally {
    await host.close()
    await app.write(Object.fromEntries(Object.keys(files).map((name) => [name, QUICK_START[name] ?? ''])))
  }
}

/** The linear model's rows for inputs [i, 1, 2, 3], computed apart from ONNX Runtime. */
function expectedPredictions(count: number): number[][] {
  const x = {
    dtype: 'float32' as const,
    dims: [count, 4],
    data: new Float32Array(Array.from({ length: count }, (_, i) => [i, 1, 2, 3]).flat()),
  }
  const y = Array.from(linearModel().reference({ x }).y!.data as Float32Array)
  return Array.from({ length: count }, (_, i) => y.slice(i * 3, i * 3 + 3))
}

function expectClose(got: number[][], expected: number[][]): void {
  expect(got).toHaveLength(expected.length)
  got.forEach((row, i) => row.forEach((value, j) => expect(value).toBeCloseTo(expected[i]![j]!, 4)))
}

function expectQuickStart(out: QuickStartOutput): void {
  expectClose(out.predictions, expectedPredictions(50))
  expect(out.workers).toBe(2)
  expect(out.meanBatch).toBeGreaterThan(1) // the 50 concurrent calls ran in batches
  expect(out.doubled).toEqual([2, 4, 6]) // the custom runnable, its init params, through the Service Worker
  expect(out.notes.join(' ')).toMatch(/^onnx linear:\S+ on (webgpu|wasm) \(onnxruntime-web\)/)
}

/** POST /api/predict from the page: only the Service Worker answers it. */
const predictThroughServiceWorker = (page: Page, rows: number[][]): Promise<{ status: number; rows: number[][] }> =>
  page.evaluate(async (body) => {
    const response = await fetch('/api/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    return { status: response.status, rows: (await response.json()) as number[][] }
  }, JSON.stringify(rows))

const rowsFor = (count: number): number[][] => Array.from({ length: count }, (_, i) => [i, 1, 2, 3])

test('the README quick start runs in vite dev: 50 concurrent calls batched over two Web Workers, a custom runnable, and /api from the Service Worker', async ({
  page,
}) => {
  test.setTimeout(180_000)
  await app.write({ 'vite.config.ts': WITH_PLUGIN })
  const server = await app.dev()
  try {
    const { out, errors } = await open(page, server.url)
    expect(errors).toEqual([])
    expectQuickStart(out as QuickStartOutput)
    // The dev server sends COOP and COEP: the page is cross-origin isolated.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    const answer = await predictThroughServiceWorker(page, rowsFor(5))
    expect(answer.status).toBe(200)
    expectClose(answer.rows, expectedPredictions(5))
  } finally {
    await server.stop()
  }
})

test('the README quick start runs as a vite build on a plain static server, and /api still answers once the server is gone', async ({
  page,
}) => {
  test.setTimeout(180_000)
  await app.write({ 'vite.config.ts': WITH_PLUGIN })
  const host = await serveStatic(await app.build())
  let closed = false
  try {
    const { out, errors } = await open(page, host.url)
    expect(errors).toEqual([])
    expectQuickStart(out as QuickStartOutput)
    await host.close()
    closed = true
    const answer = await predictThroughServiceWorker(page, rowsFor(7))
    expect(answer.status).toBe(200)
    expectClose(answer.rows, expectedPredictions(7))
  } finally {
    if (!closed) await host.close()
  }
})

test('in the production build, a custom runnable with init params runs on a Web Worker of the page', async ({
  page,
}) => {
  test.setTimeout(120_000)
  const { out, errors } = await openBuilt(page, WORKER_PAGE)
  expect(errors).toEqual([])
  expect(out).toMatchObject({ tripled: [3, 6, 10.5] })
})

test('in the production build, 200 requests at once to the service in a worker of the page are answered right, and the page never freezes', async ({
  page,
}) => {
  test.setTimeout(120_000)
  const { out, errors } = await openBuilt(page, BURST_PAGE)
  expect(errors).toEqual([])
  const { doubled, longTasks } = out as { doubled: number[][]; longTasks: number[] }
  expect(doubled).toEqual(Array.from({ length: 200 }, (_, i) => [2 * i, 2 * i + 1]))
  // The handlers and the runner run off the page's thread: no task over 50 ms on it.
  expect(longTasks).toEqual([])
})

test("in the production build, the README's shared page in two tabs: one leads with workers, the other has none, and both are answered", async ({
  browser,
}) => {
  test.setTimeout(120_000)
  await app.write({ 'vite.config.ts': WITH_PLUGIN, 'src/main.ts': SHARED_PAGE })
  const host = await serveStatic(await app.build())
  const context = await browser.newContext()
  try {
    const outs = []
    const tabs = [await context.newPage(), await context.newPage()]
    for (const tab of tabs) {
      const { out, errors } = await open(tab, host.url)
      expect(errors).toEqual([])
      outs.push(out)
    }
    expect(outs).toEqual([
      { role: 'leader', doubled: [2, 4, 6] },
      { role: 'follower', doubled: [2, 4, 6] },
    ])
    expect(tabs[0]!.workers().length).toBeGreaterThan(0)
    expect(tabs[1]!.workers()).toHaveLength(0)
  } finally {
    await context.close()
    await host.close()
    await app.write({ 'src/main.ts': QUICK_START['src/main.ts']! })
  }
})

test('without the plugin, the app fails with one line that names the plugin, in dev and in the build', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  await app.write({ 'vite.config.ts': WITHOUT_PLUGIN, 'index.html': QUICK_START['index.html']! })
  const oneLineNamingThePlugin = /^[^\n]*tiffin-serve Vite plugin[^\n]*$/

  const server = await app.dev()
  try {
    const { errors } = await open(await browser.newPage(), server.url)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(oneLineNamingThePlugin)
    expect(errors[0]).toMatch(/serviceWorker: 'src\/sw\.ts'/)
  } finally {
    await server.stop()
  }

  const host = await serveStatic(await app.build())
  try {
    const { errors } = await open(await browser.newPage(), host.url)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(oneLineNamingThePlugin)
  } finally {
    await host.close()
  }

  // The runnable a production bundle hides from its worker, said so instead of "document is not defined".
  await app.write(WORKER_PAGE)
  const workerHost = await serveStatic(await app.build())
  try {
    const { out } = await open(await browser.newPage(), workerHost.url)
    const message = (out as { error: string }).error
    expect(message).toMatch(oneLineNamingThePlugin)
    expect(message).toMatch(/The runnable "scale" is not in this worker/)
  } finally {
    await workerHost.close()
    await app.write({ 'vite.config.ts': WITH_PLUGIN, 'index.html': QUICK_START['index.html']! })
  }
})
