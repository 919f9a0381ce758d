import { chromium, type Page } from 'playwright-core'
import { createServer } from 'vite'
import { CHROMIUM_ARGS, findChromium } from '../../test/browser/find-chromium.mjs'

/** Serves the repository with Vite, opens `path` in headless Chromium, and runs `work` on the page. */
export async function runInChromium<T>(path: string, work: (page: Page) => Promise<T>): Promise<T> {
  const executablePath = findChromium()
  if (!executablePath)
    throw new Error(
      'No Chromium found: install one (apt-get install chromium, or npx playwright install chromium) or set CHROMIUM_PATH',
    )
  const server = await createServer({
    root: new URL('../..', import.meta.url).pathname,
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1' },
  })
  await server.listen()
  const url = server.resolvedUrls!.local[0]!
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage()
    page.on('console', (m) => process.stderr.write(`chromium: ${m.text()}\n`))
    await page.goto(new URL(path, url).href)
    await page.waitForFunction(() => (window as { benchReady?: boolean }).benchReady === true, undefined, {
      timeout: 60_000,
    })
    return await work(page)
  } finally {
    await browser.close()
    await server.close()
  }
}
