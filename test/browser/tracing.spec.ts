import { expect, test } from '@playwright/test'

test('a page that registered a tracer provider gets the API span, and each runner call’s queue and execution spans under it', async ({
  page,
}) => {
  await page.goto('/test/browser/pages/tracing.html')
  await page.waitForFunction(() => 'tracingTest' in window)
  const { answer, requestId, spans } = await page.evaluate(() => window.tracingTest.tracedCall())
  expect(answer).toEqual([4, 8])
  // No W3C propagator is registered in the page: the API span starts a trace of its own.
  const apiSpan = spans.find((s) => s.name === 'POST /twice')!
  expect(apiSpan.attributes).toMatchObject({ 'tiffin.request_id': requestId, 'http.response.status_code': 200 })
  const children = spans.filter((s) => s !== apiSpan)
  expect(children.map((s) => s.name).sort()).toEqual([
    'execute double.scale',
    'execute double.scale',
    'queue double.scale',
    'queue double.scale',
  ])
  for (const span of children) {
    expect(span.traceId).toBe(apiSpan.traceId)
    expect(span.parentSpanId).toBe(apiSpan.spanId)
  }
  for (const span of children.filter((s) => s.name.startsWith('execute')))
    expect(span.attributes).toMatchObject({
      'tiffin.runner': 'double',
      'tiffin.backend': 'wasm',
      'tiffin.batch_size': 2,
      'tiffin.items': 2,
      'tiffin.worker': 'worker 0',
    })
})
