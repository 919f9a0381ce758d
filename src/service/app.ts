import type { Hono } from 'hono'
import { cors } from 'hono/cors'
import { DEFAULTS } from '../defaults.js'
import { MethodNotAllowed, Overloaded, PayloadTooLarge, Timeout } from '../errors.js'
import { bodyLimit } from './body-limit.js'
import { docsPage } from './docs-page.js'
import { httpBase, type HttpEnv } from './http-base.js'
import type { Logger } from '../telemetry/logger.js'
import { rateLimited } from '../telemetry/rate-limited.js'
import { errorResponse } from './http-errors.js'
import { renderPrometheus, runnerBackends } from './prometheus.js'
import { runnersReport } from './runner-report.js'
import type { Api, Service } from './service.js'

/** What a request is counted as when its client disconnected before the answer (nginx's convention). */
const CLIENT_CLOSED = 499

export type ServiceEnv = HttpEnv

/** Builds the Hono app of a service: its APIs, health and metrics routes, docs, and error handling. */
export function buildApp(service: Service): Hono<ServiceEnv> {
  const http = service.httpConfig
  const maxBodyBytes = http.maxBodyBytes ?? DEFAULTS.http.maxBodyBytes
  // The service's logger of the moment: it gets its own when it starts, which may be after the app is built.
  const logger: Logger = { log: (record) => service.telemetry.logger.log(record) }
  const refusedLog = rateLimited(logger, DEFAULTS.logging.refusalIntervalMs)
  const limits: Limits = {
    maxInFlight: http.maxInFlight ?? DEFAULTS.http.maxInFlight,
    timeoutMs: http.timeoutMs ?? DEFAULTS.http.timeoutMs,
    logger,
    refused: (api) =>
      refusedLog(api.name, () => ({
        level: 'warn',
        event: 'http.overloaded',
        message: `Refused calls to ${api.name} before handling: the service is handling its limit of calls (http.maxInFlight)`,
        fields: { api: api.name, reason: 'max_in_flight', maxInFlight: http.maxInFlight ?? DEFAULTS.http.maxInFlight },
      })),
  }
  const app = httpBase({
    readiness: () => ({
      ready: service.ready,
      body: {
        status: service.ready ? 'ready' : 'starting',
        runners: Object.fromEntries(service.runners.map((r) => [r.name, r.state])),
        backends: Object.fromEntries(service.runners.flatMap((r) => (r.backend ? [[r.name, r.backend]] : []))),
        ...(Object.keys(service.waiting).length > 0 && { waiting: service.waiting }),
      },
    }),
    metrics: () =>
      renderPrometheus({
        http: service.httpMetrics,
        methods: service.runnerMetrics(),
        runners: service.runners,
        backends: runnerBackends(service.runners),
        extra: service.telemetry.metrics?.() ?? [],
      }),
    logger: () => logger,
    notFound: (method, path) =>
      `No route ${method} ${path}; this service has ${service.apis.map((a) => `POST ${a.route}`).join(', ') || 'no APIs'}, and GET /docs`,
    middleware: http.cors
      ? [
          cors({
            origin: typeof http.cors.origin === 'string' ? http.cors.origin : [...http.cors.origin],
            credentials: http.cors.credentials ?? false,
          }),
        ]
      : [],
  })

  app.get('/runners.json', (c) => c.json(runnersReport(service.runners)))
  app.get('/docs.json', (c) => c.json(service.openapi()))
  app.get('/docs', (c) => c.html(docsPage(service.openapi())))

  const tooLarge = (api: Api, requestId: string, startedAt: number) => {
    const response = errorResponse(
      new PayloadTooLarge(`The body is larger than the limit of ${maxBodyBytes} bytes`),
      requestId,
      logger,
    )
    // The unread rest of the body would stall a kept-alive connection (Node drops it 500 ms later, losing
    // the client's next request on it): tell the client not to reuse it.
    response.headers.set('connection', 'close')
    // Refused before `answer` runs, so counted here, or /metrics would never show a 413.
    service.httpMetrics.refused(api.name, response.status, 'body_too_large', performance.now() - startedAt)
    return response
  }
  for (const api of service.apis) {
    app.post(
      api.route,
      bodyLimit({ maxSize: maxBodyBytes, onError: (c, startedAt) => tooLarge(api, c.get('requestId'), startedAt) }),
      (c) => answer(service, limits, api, c.req.raw, c.get('requestId')),
    )
    app.all(api.route, (c) => {
      const startedAt = performance.now()
      const response = errorResponse(
        new MethodNotAllowed(`${c.req.method} is not allowed on ${api.route}; send a POST`),
        c.get('requestId'),
        logger,
      )
      response.headers.set('allow', 'POST')
      service.httpMetrics.refused(api.name, 405, 'method_not_allowed', performance.now() - startedAt)
      return response
    })
  }
  return app
}

interface Limits {
  readonly maxInFlight: number
  readonly timeoutMs: number
  readonly logger: Logger
  /** Logs a call refused over `maxInFlight` (rate-limited). */
  refused(api: Api): void
}

/** Runs one API call: parse, handle, serialise, within the timeout, counted in the metrics, traced if tracing. */
async function answer(
  service: Service,
  { maxInFlight, timeoutMs, logger, refused }: Limits,
  api: Api,
  request: Request,
  requestId: string,
): Promise<Response> {
  const started = performance.now()
  if (service.httpMetrics.inProgress >= maxInFlight) {
    refused(api)
    const response = errorResponse(
      new Overloaded(
        `The service is handling ${maxInFlight} calls, its limit (http.maxInFlight); try again shortly`,
        1,
      ),
      requestId,
      logger,
    )
    service.httpMetrics.refused(api.name, 503, 'max_in_flight', performance.now() - started)
    return response
  }
  const span = service.telemetry.tracing?.request(request, `POST ${api.route}`, {
    'http.request.method': 'POST',
    'http.route': api.route,
    'url.path': new URL(request.url).pathname,
    'tiffin.service': service.name,
    'tiffin.api': api.name,
    'tiffin.request_id': requestId,
  })
  const controller = new AbortController()
  // Aborts the handler's signal and answers at once, even when the handler ignores its signal.
  let stop!: (reason: unknown) => void
  const stopped = new Promise<never>((_, reject) => {
    stop = (reason) => {
      controller.abort(reason)
      reject(reason)
    }
  })
  const onClientGone = () => stop(request.signal.reason)
  request.signal.addEventListener('abort', onClientGone, { once: true })
  const timer = setTimeout(() => stop(new Timeout(`${api.name} did not finish within ${timeoutMs} ms`)), timeoutMs)
  service.httpMetrics.started(api.name)
  let response: Response
  let failure: unknown
  try {
    const work = async () => {
      const input = await api.input.parse(request)
      const output = await api.handler(input, { request, requestId, signal: controller.signal })
      return api.output.serialize(output, request)
    }
    response = await Promise.race([span ? span.run(controller.signal, work) : work(), stopped])
  } catch (error) {
    failure = controller.signal.aborted ? controller.signal.reason : error
    // A client that went away is no server error: it is counted as 499 (client closed) and not logged.
    if (request.signal.aborted && !(controller.signal.reason instanceof Timeout))
      response = new Response(null, { status: CLIENT_CLOSED })
    else response = errorResponse(failure, requestId, logger, { api: api.name, traceId: span?.traceId })
  } finally {
    clearTimeout(timer)
    request.signal.removeEventListener('abort', onClientGone)
  }
  service.httpMetrics.finished(api.name, response.status, performance.now() - started)
  span?.end(response.status, failure)
  response.headers.set('x-request-id', requestId)
  return response
}
