// Finds a Chromium for the browser tests: $CHROMIUM_PATH, Debian's /usr/bin/chromium, or one that
// `npx playwright install chromium` put in Playwright's cache. Returns undefined when there is none.
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'

export function findChromium(env = process.env) {
  const candidates = [env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']
  try {
    candidates.push(chromium.executablePath())
  } catch {
    // playwright-core throws when it has no browser of its own installed
  }
  return candidates.find((path) => path && existsSync(path))
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
]
