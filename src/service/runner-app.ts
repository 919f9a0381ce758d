import type { Hono } from 'hono'
import { DEFAULTS } from '../defaults.js'
import { NotFound, PayloadTooLarge } from '../errors.js'
import type { Runner } from '../runner/runner.js'
import { decodeValue, encodeValue, WIRE_MEDIA_TYPE } from '../tensor/wire-format.js'
import { bodyLimit } from './body-limit.js'
import { httpBase, type HttpEnv } from './http-base.js'
import { errorResponse } from './http-errors.js'
import { HttpMetrics } from './http-metrics.js'
import { renderPrometheus, runnerBackends } from './prometheus.js'
import { runnersReport } from './runner-report.js'

/**
 * One runner served over HTTP, for API servers elsewhere to call (`--runner-map`): `POST /call/<method>`
 * with tiffin's binary tensor format, plus the health, readiness and metrics routes. Batching happens here.
 */
export function runnerApp(
  runner: Runner,
  maxBodyBytes = DEFAULTS.runnerHttp.maxBodyBytes,
): { app: Hono<HttpEnv>; http: HttpMetrics } {
  const http = new HttpMetrics()
  const app = httpBase({
    readiness: () => ({ ready: runner.state === 'ready', body: { status: runner.state, runner: runner.name } }),
    metrics: () => renderPrometheus(http, runner.metrics(), runnerBackends([runner])),
    notFound: (method, path) => `No route ${method} ${path} on runner "${runner.name}"`,
  })
  app.get('/runners.json', (c) => c.json(runnersReport([runner])))
  const tooLarge = (c: { get(key: 'requestId'): string }) =>
    errorResponse(new PayloadTooLarge(`The body is larger than the limit of ${maxBodyBytes} bytes`), c.get('requestId'))
  app.post('/call/:method', bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge }), async (c) => {
    const method = c.req.param('method')
    const handle = (
      runner.methods as Record<string, { run(input: never, options: { signal: AbortSignal }): Promise<unknown> }>
    )[method]
    if (!handle)
      throw new NotFound(
        `Runner "${runner.name}" has no method "${method}"; it has ${Object.keys(runner.methods).join(', ')}`,
      )
    const started = performance.now()
    http.started(method)
    let status = 500
    try {
      const input = decodeValue(new Uint8Array(await c.req.arrayBuffer()))
      const output = await handle.run(input as never, { signal: c.req.raw.signal })
      status = 200
      return new Response(encodeValue(output), { headers: { 'content-type': WIRE_MEDIA_TYPE } })
    } catch (error) {
      const response = errorResponse(error, c.get('requestId'))
      status = response.status
      return response
    } finally {
      http.finished(method, status, performance.now() - started)
    }
  })
  return { app, http }
}
