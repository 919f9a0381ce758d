import { expect, test } from '@playwright/test'

for (const resource of ['wasm', 'webgpu'] as const) {
  test(`ONNX runners on two ${resource} Web Workers run every test model and match the references`, async ({
    page,
  }) => {
    test.setTimeout(240_000)
    await page.goto('/test/browser/pages/onnx-runner.html')
    await page.waitForFunction(() => 'onnxRunnerTest' in window)
    const results = await page.evaluate((r) => window.onnxRunnerTest.runModels(r), resource)
    expect(results.map((r) => r.model)).toEqual(['linear', 'mlp', 'two-in-out', 'batch-axis-1'])
    for (const result of results) {
      expect(result.error, result.model).toBeUndefined()
      expect(result.problems, result.model).toEqual([])
      expect(result.placement, result.model).toMatchObject({ resource, workers: 2 })
      expect(result.notes!.join('\n'), result.model).toContain(`on ${resource} (onnxruntime-web)`)
      if (resource === 'webgpu') expect(result.notes!.join('\n'), result.model).toMatch(/swiftshader/i)
      expect(result.items, result.model).toBe(15)
    }
  })
}
