import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { requestId, type RequestIdVariables } from 'hono/request-id'
import { MethodNotAllowed, NotFound, Overloaded, PayloadTooLarge, Timeout } from '../errors.js'
import { bodyLimit } from './body-limit.js'
import { docsPage } from './docs-page.js'
import { errorResponse } from './http-errors.js'
import { renderPrometheus } from './prometheus.js'
import type { Api, Service } from './service.js'

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
const DEFAULT_TIMEOUT_MS = 60_000
const DEFAULT_MAX_IN_FLIGHT = 1024
/** What a request is counted as when its client disconnected before the answer (nginx's convention). */
const CLIENT_CLOSED = 499

export type ServiceEnv = { Variables: RequestIdVariables }

/** Builds the Hono app of a service: its APIs, health and metrics routes, docs, and error handling. */
export function buildApp(service: Service): Hono<ServiceEnv> {
  const http = service.config.http ?? {}
  const maxBodyBytes = http.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const app = new Hono<ServiceEnv>()
  app.use(requestId())
  if (http.cors) app.use(cors({ origin: typeof http.cors.origin === 'string' ? http.cors.origin : [...http.cors.origin], credentials: http.cors.credentials ?? false }))

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/livez', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', (c) => {
    const runners = Object.fromEntries(service.runners.map((r) => [r.name, r.state]))
    return c.json({ status: service.ready ? 'ready' : 'starting', runners }, service.ready ? 200 : 503)
  })
  app.get('/metrics', (c) => c.text(renderPrometheus(service.httpMetrics, service.runnerMetrics()), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }))
  app.get('/docs.json', (c) => c.json(service.openapi()))
  app.get('/docs', (c) => c.html(docsPage(service.openapi())))

  const tooLarge = (api: Api, requestId: string) => {
    const response = errorResponse(new PayloadTooLarge(`The body is larger than the limit of ${maxBodyBytes} bytes`), requestId)
    // The unread rest of the body would stall a kept-alive connection (Node drops it 500 ms later, losing
    // the client's next request on it): tell the client not to reuse it.
    response.headers.set('connection', 'close')
    // Refused before `answer` runs, so counted here, or /metrics would never show a 413.
    service.httpMetrics.finished(api.name, response.status, 0, false)
    return response
  }
  for (const api of service.apis) {
    app.post(api.route, bodyLimit({ maxSize: maxBodyBytes, onError: (c) => tooLarge(api, c.get('requestId')) }), (c) => answer(service, api, c.req.raw, c.get('requestId')))
    app.all(api.route, (c) => {
      const response = errorResponse(new MethodNotAllowed(`${c.req.method} is not allowed on ${api.route}; send a POST`), c.get('requestId'))
      response.headers.set('allow', 'POST')
      return response
    })
  }
  app.notFound((c) => {
    const routes = service.apis.map((a) => `POST ${a.route}`).join(', ')
    return errorResponse(new NotFound(`No route ${c.req.method} ${new URL(c.req.url).pathname}; this service has ${routes || 'no APIs'}, and GET /docs`), c.get('requestId'))
  })
  app.onError((error, c) => errorResponse(error, c.get('requestId') ?? 'unknown'))
  return app
}

/** Runs one API call: parse, handle, serialise, within the timeout, counted in the metrics. */
async function answer(service: Service, api: Api, request: Request, requestId: string): Promise<Response> {
  const maxInFlight = service.config.http?.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT
  if (service.httpMetrics.inProgress >= maxInFlight) {
    service.httpMetrics.finished(api.name, 503, 0, false)
    return errorResponse(new Overloaded(`The service is handling ${maxInFlight} calls, its limit (http.maxInFlight); try again shortly`, 1), requestId)
  }
  const timeoutMs = service.config.http?.timeoutMs ?? DEFAULT_TIMEOUT_MS
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
    if (request.signal.aborted && !(controller.signal.reason instanceof Timeout)) response = new Response(null, { status: CLIENT_CLOSED })
    else response = errorResponse(controller.signal.aborted ? controller.signal.reason : error, requestId)
  } finally {
    clearTimeout(timer)
    request.signal.removeEventListener('abort', onClientGone)
  }
  service.httpMetrics.finished(api.name, response.status, performance.now() - started)
  response.headers.set('x-request-id', requestId)
  return response
}
