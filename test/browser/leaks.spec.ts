import { expect, test } from '@playwright/test'

const CALLS = 100_000

for (const resource of ['webgpu', 'wasm'] as const) {
  test(`${CALLS.toLocaleString('en')} calls through a runner on ${resource} leave workers, proxies, calls, sessions and GPU buffers where they started`, async ({
    page,
  }) => {
    test.setTimeout(180_000)
    await page.goto('/test/browser/pages/leaks.html')
    await page.waitForFunction(() => 'leakTest' in window)
    const r = await page.evaluate(([res, calls]) => window.leakTest.leakCheck(res, calls), [resource, CALLS] as const)
    expect(r.notes.join('\n')).toContain(`on ${resource} (onnxruntime-web)`)
    expect(r.warmUp).toEqual({ right: 2000, refused: {}, problems: [] })
    expect(r.report).toEqual({ right: CALLS, refused: {}, problems: [] })
    expect(r.items).toBe(CALLS + 2000)
    // The page holds one worker and its proxy; the worker one ONNX session; nothing is queued or running.
    expect(r.started.here).toEqual({ ...r.before, workers: r.before.workers + 1, proxies: r.before.proxies + 1 })
    expect(r.started.runner).toMatchObject({ workers: { live: 1, restarts: 0 }, inFlight: 0, queued: 0 })
    expect(r.started.runner.threads.map((t) => t.counts)).toEqual([{ workers: 0, proxies: 0, calls: 0, sessions: 1 }])
    if (resource === 'webgpu') expect(r.started.gpuBuffers.created).toBeGreaterThan(0)
    else expect(r.started.gpuBuffers).toEqual({ live: 0, created: 0 })
    // After the rest of the calls, all the same: GPU buffers too (ONNX Runtime reuses them).
    expect({ ...r.ended, gpuBuffers: r.ended.gpuBuffers.live }).toEqual({
      ...r.started,
      gpuBuffers: r.started.gpuBuffers.live,
    })
    expect(r.afterShutdown).toEqual(r.before)
  })
}
