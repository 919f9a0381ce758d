// The checked warm-up, on Chromium's software WebGPU adapter (SwiftShader): it proves the check's logic,
// never GPU speed. A runner left to choose keeps WebGPU only when its outputs agree with WASM's and it is
// not slower, and says why; forcing and skipping work, the budget holds, and WebGPU sessions in one thread
// take turns.
import { expect, test, type Page } from '@playwright/test'

const open = async (page: Page): Promise<void> => {
  await page.goto('/test/browser/pages/webgpu-check.html')
  await page.waitForFunction(() => 'webgpuCheckTest' in window)
}

test('a model whose WebGPU outputs are wrong falls back to WASM, saying by how much, and answers right there', async ({
  page,
}) => {
  test.setTimeout(120_000)
  await open(page)
  const result = await page.evaluate(() => window.webgpuCheckTest.choose({ tamper: { backend: 'webgpu', shift: 0.3 } }))
  expect(result.error).toBeUndefined()
  expect(result.backend).toMatchObject({
    resource: 'wasm',
    reason: expect.stringMatching(/^webgpu outputs off by 0\.30 in "y" at probe 1 \(batch 1\)$/),
  })
  expect(result.placement).toMatchObject({ resource: 'wasm', workers: 1 })
  expect(result.notes!.join('\n')).toMatch(
    /on wasm \(onnxruntime-web\): webgpu outputs off by 0\.30 in "y" at probe 1 \(batch 1\): using wasm; checked webgpu against wasm in \d+ ms/,
  )
  expect(result.problems).toEqual([])
  // The same in the calling thread (as a Service Worker runs its runners): the check's loser is let go there too.
  const local = await page.evaluate(() =>
    window.webgpuCheckTest.choose({ tamper: { backend: 'webgpu', shift: 0.3 }, local: true }),
  )
  expect(local.error).toBeUndefined()
  expect(local.backend?.resource).toBe('wasm')
  expect(local.problems).toEqual([])
})

test('a model that is right but slower on WebGPU falls back to WASM with the speed as the reason', async ({ page }) => {
  test.setTimeout(120_000)
  await open(page)
  // Each WebGPU run waits 40 ms: right, and far slower than WASM. Usually the first probe shows it; after a
  // stall of the machine in a WASM run, a later one does (the times add up over the probes).
  const result = await page.evaluate(() =>
    window.webgpuCheckTest.choose({ tamper: { backend: 'webgpu', delayMs: 40 } }),
  )
  expect(result.error).toBeUndefined()
  expect(result.backend).toMatchObject({
    resource: 'wasm',
    reason: expect.stringMatching(/^webgpu is \d+(\.\d)?x slower than wasm on this adapter at probe \d \(batch \d+\)$/),
  })
  expect(result.problems).toEqual([])
})

test('a model right and faster on WebGPU keeps WebGPU, saying how much faster', async ({ page }) => {
  test.setTimeout(120_000)
  await open(page)
  const result = await page.evaluate(() => window.webgpuCheckTest.choose({ tamper: { backend: 'wasm', delayMs: 60 } }))
  expect(result.error).toBeUndefined()
  expect(result.backend?.resource).toBe('webgpu')
  expect(result.notes!.join('\n')).toMatch(
    /on webgpu \(onnxruntime-web\): WebGPU adapter .*; webgpu agrees with wasm and is \d+\.\dx as fast/,
  )
  expect(result.placement).toMatchObject({ resource: 'webgpu' })
  expect(result.problems).toEqual([])
  const local = await page.evaluate(() =>
    window.webgpuCheckTest.choose({ tamper: { backend: 'wasm', delayMs: 60 }, local: true }),
  )
  expect(local.error).toBeUndefined()
  expect(local.backend?.resource).toBe('webgpu')
  expect(local.problems).toEqual([])
})

test('forcing WebGPU or skipping the check runs on WebGPU with no check; a budget too small to open the session falls back and says so', async ({
  page,
}) => {
  test.setTimeout(120_000)
  await open(page)
  for (const options of [
    { resource: 'webgpu' as const },
    { onnx: { check: false as const } },
    { onnx: { resource: 'webgpu' as const } },
  ]) {
    const result = await page.evaluate((o) => window.webgpuCheckTest.choose(o), options)
    expect(result.error, JSON.stringify(options)).toBeUndefined()
    expect(result.backend?.resource, JSON.stringify(options)).toBe('webgpu')
    expect(result.notes!.join('\n'), JSON.stringify(options)).not.toMatch(/checked webgpu/)
    expect(result.problems).toEqual([])
  }
  const forcedWasm = await page.evaluate(() => window.webgpuCheckTest.choose({ resource: 'wasm' }))
  expect(forcedWasm.backend?.resource).toBe('wasm')
  expect(forcedWasm.notes!.join('\n')).not.toMatch(/checked webgpu/)

  const tight = await page.evaluate(() => window.webgpuCheckTest.choose({ onnx: { check: { budgetMs: 1 } } }))
  expect(tight.backend).toMatchObject({
    resource: 'wasm',
    reason: expect.stringMatching(/^webgpu did not open its session within the check's 1 ms budget/),
  })
  expect(tight.problems).toEqual([])
})

test('two runners sharing one thread on WebGPU take turns: 500 concurrent calls, every one right', async ({ page }) => {
  test.setTimeout(120_000)
  await open(page)
  const result = await page.evaluate(() => window.webgpuCheckTest.sharedThread())
  expect(result.backends).toEqual(['webgpu', 'webgpu'])
  expect(result.calls).toBe(500)
  expect(result.problems).toEqual([])
  expect(result.executions.every((n) => n > 0)).toBe(true)
})
