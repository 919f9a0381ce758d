import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, findChromium } from './find-chromium.mjs'

const port = Number(process.env.TIFFIN_TEST_PORT ?? 5199)

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  workers: 1,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
  },
  webServer: {
    // The repository root served by Vite, with the cross-origin isolation headers from vite.config.ts.
    command: `node node_modules/vite/bin/vite.js --port ${port} --strictPort --host 127.0.0.1`,
    cwd: '../..',
    url: `http://127.0.0.1:${port}/test/browser/pages/store.html`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
})
