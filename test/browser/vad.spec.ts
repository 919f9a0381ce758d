import { expect, test } from '@playwright/test'
import { vadAudio } from '../fixtures/vad.js'
import { vadReference } from '../support/vad-reference.js'

test('Silero VAD on WASM in Chromium: 16 streams of 20 chunks at once, each as if run alone on onnxruntime-node, in batches above 4', async ({
  page,
}) => {
  test.setTimeout(120_000)
  const expected = await vadReference(vadAudio(16, 20))
  await page.goto('/test/browser/pages/vad.html')
  await page.waitForFunction(() => 'vadTest' in window)
  const { probabilities, meanBatch, notes } = await page.evaluate(() => window.vadTest.run(16, 20))
  expect(notes.join(' ')).toMatch(/on wasm \(onnxruntime-web\)/)
  expect(probabilities).toHaveLength(16)
  probabilities.forEach((stream, s) =>
    stream.forEach((p, t) => expect(Math.abs(p - expected[s]![t]!), `stream ${s}, chunk ${t}`).toBeLessThan(1e-5)),
  )
  expect(meanBatch).toBeGreaterThan(4)
})
