import { expect, test } from '@playwright/test'

test.beforeEach(async ({ page }) => {
  await page.goto('/test/browser/pages/onnx.html')
  await page.waitForFunction(() => 'tiffinOnnx' in window)
})

const cases = [
  // The page is cross-origin isolated (vite.config.ts), so WASM gets the 2 threads it asks for.
  { resource: 'wasm', note: /on wasm \(onnxruntime-web\): WASM on 2 threads/ },
  // Chromium's WebGPU adapter here is SwiftShader: software, but the WebGPU code path all the same.
  {
    resource: 'webgpu',
    note: /on webgpu \(onnxruntime-web\): WebGPU adapter .*swiftshader.*; warmed up at batch 1, 2, 4, 8 in \d+ ms; batches are padded/,
  },
] as const

for (const { resource, note } of cases) {
  test(`every test model saved in IndexedDB runs on ${resource} in a page and matches its reference at batch 1 and 3`, async ({
    page,
  }) => {
    test.setTimeout(180_000)
    const results = await page.evaluate((r) => window.tiffinOnnx.runModels(r, [1, 3]), resource)
    expect(results.map((r) => r.model.split(':')[0])).toEqual(['linear', 'mlp', 'two-in-out', 'batch-axis-1'])
    for (const result of results) {
      expect(result.checks, result.model).toEqual({ 1: '', 3: '' })
      expect(result.note, result.model).toMatch(note)
      console.log(
        `${resource} ${result.model}: setup ${result.setupMs.toFixed(0)} ms, ${result.msPerRun.toFixed(2)} ms a run at batch 3`,
      )
    }
  })
}

const workerCases = [
  { resource: 'wasm', note: /on wasm \(onnxruntime-web\): WASM on 2 threads/ },
  { resource: 'webgpu', note: /on webgpu \(onnxruntime-web\): WebGPU adapter .*swiftshader/ },
] as const

for (const { resource, note } of workerCases) {
  test(`the runnable sets up and runs on ${resource} inside a module Web Worker, and its outputs match the reference`, async ({
    page,
  }) => {
    test.setTimeout(120_000)
    const results = await page.evaluate((r) => window.tiffinOnnx.runInWorker(r, 3), resource)
    expect(results).toHaveLength(3)
    for (const result of results) {
      expect(result.check, result.model).toBe('')
      expect(result.note, result.model).toMatch(note)
    }
  })
}
