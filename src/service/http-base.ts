import { Hono, type MiddlewareHandler } from 'hono'
import { requestId, type RequestIdVariables } from 'hono/request-id'
import { NotFound } from '../errors.js'
import type { Logger } from '../telemetry/logger.js'
import { errorResponse } from './http-errors.js'

export type HttpEnv = { Variables: RequestIdVariables }

export interface HttpBaseOptions {
  /** `/readyz`: whether to answer 200 (else 503), and the body saying why. */
  readiness(): { readonly ready: boolean; readonly body: Record<string, unknown> }
  /** `/metrics`, in the Prometheus text format. */
  metrics(): string
  /** The message of a 404, given the method and path asked for. */
  notFound(method: string, path: string): string
  /** Where a request that fails with 500 is logged (read at each one: a service gets its logger when it starts). */
  logger(): Logger
  /** Middleware that runs before every route (CORS). */
  readonly middleware?: readonly MiddlewareHandler<HttpEnv>[]
}

/**
 * What every tiffin HTTP app answers alike, a service's and a runner's served alone: a request id on
 * every response, `/healthz` and `/livez`, `/readyz`, `/metrics`, and errors as JSON through one function.
 */
export function httpBase(options: HttpBaseOptions): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>()
  app.use(requestId())
  for (const handler of options.middleware ?? []) app.use(handler)
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/livez', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', (c) => {
    const { ready, body } = options.readiness()
    return c.json(body, ready ? 200 : 503)
  })
  app.get('/metrics', (c) =>
    c.text(options.metrics(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  )
  app.notFound((c) =>
    errorResponse(
      new NotFound(options.notFound(c.req.method, new URL(c.req.url).pathname)),
      c.get('requestId'),
      options.logger(),
    ),
  )
  app.onError((error, c) => errorResponse(error, c.get('requestId') ?? 'unknown', options.logger()))
  return app
}
