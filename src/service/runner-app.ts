import type { Hono } from 'hono'
import { DEFAULTS } from '../defaults.js'
import { NotFound, PayloadTooLarge } from '../errors.js'
import type { Runner } from '../runner/runner.js'
import type { Telemetry } from '../telemetry/telemetry.js'
import { decodeValue, encodeValue, WIRE_MEDIA_TYPE } from '../tensor/wire-format.js'
import { bodyLimit } from './body-limit.js'
import { httpBase, type HttpEnv } from './http-base.js'
import { errorResponse } from './http-errors.js'
import { HttpMetrics } from './http-metrics.js'
import { renderPrometheus, runnerBackends } from './prometheus.js'
import { runnersReport } from './runner-report.js'

type Handle = { run(input: never, options: { signal: AbortSignal }): Promise<unknown> }

/**
 * One runner served over HTTP, for API servers elsewhere to call (`--runner-map`): `POST /call/<method>`
 * with tiffin's binary tensor format, plus the health, readiness and metrics routes. Batching happens here;
 * a call whose `traceparent` names a trace (the API server's) goes on in it.
 */
export function runnerApp(
  runner: Runner,
  telemetry: Telemetry,
  maxBodyBytes = DEFAULTS.runnerHttp.maxBodyBytes,
): { app: Hono<HttpEnv>; http: HttpMetrics } {
  const http = new HttpMetrics()
  const { logger, tracing } = telemetry
  const app = httpBase({
    readiness: () => ({ ready: runner.state === 'ready', body: { status: runner.state, runner: runner.name } }),
    metrics: () =>
      renderPrometheus({
        http,
        methods: runner.metrics(),
        runners: [runner],
        backends: runnerBackends([runner]),
        extra: telemetry.metrics?.() ?? [],
      }),
    notFound: (method, path) => `No route ${method} ${path} on runner "${runner.name}"`,
    logger: () => logger,
  })
  app.get('/runners.json', (c) => c.json(runnersReport([runner])))
  const tooLarge = (c: { get(key: 'requestId'): string }) =>
    errorResponse(
      new PayloadTooLarge(`The body is larger than the limit of ${maxBodyBytes} bytes`),
      c.get('requestId'),
      logger,
    )
  app.post('/call/:method', bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge }), async (c) => {
    const method = c.req.param('method')
    const handle = (runner.methods as Record<string, Handle>)[method]
    if (!handle)
      throw new NotFound(
        `Runner "${runner.name}" has no method "${method}"; it has ${Object.keys(runner.methods).join(', ')}`,
      )
    const request = c.req.raw
    const requestId = c.get('requestId')
    const span = tracing?.request(request, `POST /call/${method}`, {
      'http.request.method': 'POST',
      'http.route': '/call/:method',
      'tiffin.runner': runner.name,
      'tiffin.method': method,
      'tiffin.request_id': requestId,
    })
    const started = performance.now()
    http.started(method)
    let status = 500
    let failure: unknown
    try {
      const input = decodeValue(new Uint8Array(await c.req.arrayBuffer()))
      const call = () => handle.run(input as never, { signal: request.signal })
      const output = await (span ? span.run(request.signal, call) : call())
      status = 200
      return new Response(encodeValue(output), { headers: { 'content-type': WIRE_MEDIA_TYPE } })
    } catch (error) {
      failure = error
      const response = errorResponse(error, requestId, logger, { runner: runner.name, traceId: span?.traceId })
      status = response.status
      return response
    } finally {
      http.finished(method, status, performance.now() - started)
      span?.end(status, failure)
    }
  })
  return { app, http }
}
