import type { Hono } from 'hono'
import { cors } from 'hono/cors'
import { DEFAULTS } from '../defaults.js'
import { MethodNotAllowed, Overloaded, PayloadTooLarge, Timeout } from '../errors.js'
import { bodyLimit } from './body-limit.js'
import { docsPage } from './docs-page.js'
import { httpBase, type HttpEnv } from './http-base.js'
import { errorResponse } from './http-errors.js'
import { renderPrometheus, runnerBackends } from './prometheus.js'
import { runnersReport } from './runner-report.js'
import type { Api, HttpConfig, Service } from './service.js'

/** What a request is counted as when its client disconnected before the answer (nginx's convention). */
const CLIENT_CLOSED = 499

export type ServiceEnv = HttpEnv

/** Builds the Hono app of a service: its APIs, health and metrics routes, docs, and error handling. */
export function buildApp(service: Service): Hono<ServiceEnv> {
  const http = service.httpConfig
  const maxBodyBytes = http.maxBodyBytes ?? DEFAULTS.http.maxBodyBytes
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
    metrics: () => renderPrometheus(service.httpMetrics, service.runnerMetrics(), runnerBackends(service.runners)),
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

  const tooLarge = (api: Api, requestId: string) => {
    const response = errorResponse(
      new PayloadTooLarge(`The body is larger than the limit of ${maxBodyBytes} bytes`),
      requestId,
    )
    // The unread rest of the body would stall a kept-alive connection (Node drops it 500 ms later, losing
    // the client's next request on it): tell the client not to reuse it.
    response.headers.set('connection', 'close')
    // Refused before `answer` runs, so counted here, or /metrics would never show a 413.
    service.httpMetrics.finished(api.name, response.status, 0, false)
    return response
  }
  for (const api of service.apis) {
    app.post(api.route, bodyLimit({ maxSize: maxBodyBytes, onError: (c) => tooLarge(api, c.get('requestId')) }), (c) =>
      answer(service, http, api, c.req.raw, c.get('requestId')),
    )
    app.all(api.route, (c) => {
      const response = errorResponse(
        new MethodNotAllowed(`${c.req.method} is not allowed on ${api.route}; send a POST`),
        c.get('requestId'),
      )
      response.headers.set('allow', 'POST')
      return response
    })
  }
  return app
}

/** Runs one API call: parse, handle, serialise, within the timeout, counted in the metrics. */
async function answer(
  service: Service,
  http: HttpConfig,
  api: Api,
  request: Request,
  requestId: string,
): Promise<Response> {
  const maxInFlight = http.maxInFlight ?? DEFAULTS.http.maxInFlight
  if (service.httpMetrics.inProgress >= maxInFlight) {
    service.httpMetrics.finished(api.name, 503, 0, false)
    return errorResponse(
      new Overloaded(
        `The service is handling ${maxInFlight} calls, its limit (http.maxInFlight); try again shortly`,
        1,
      ),
      requestId,
    )
  }
  const timeoutMs = http.timeoutMs ?? DEFAULTS.http.timeoutMs
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
  const started = performance.now()
  service.httpMetrics.started(api.name)
  let response: Response
  try {
    const work = (async () => {
      const input = await api.input.parse(request)
      const output = await api.handler(input, { request, requestId, signal: controller.signal })
      return api.output.serialize(output, request)
    })()
    response = await Promise.race([work, stopped])
  } catch (error) {
    // A client that went away is no server error: it is counted as 499 (client closed) and not logged.
    if (request.signal.aborted && !(controller.signal.reason instanceof Timeout))
      response = new Response(null, { status: CLIENT_CLOSED })
    else response = errorResponse(controller.signal.aborted ? controller.signal.reason : error, requestId)
  } finally {
    clearTimeout(timer)
    request.signal.removeEventListener('abort', onClientGone)
  }
  service.httpMetrics.finished(api.name, response.status, performance.now() - started)
  response.headers.set('x-request-id', requestId)
  return response
}
