import type { Context, MiddlewareHandler, Next } from 'hono'
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit'

/**
 * Hono's body limit, with the common case made cheap: a body whose length the headers state is judged by
 * that header alone. Hono's middleware asks for `request.body` first, and on Node that makes the server
 * build a full web Request around a stream for every call, even one whose body is read in one piece.
 * Bodies of unstated length (chunked) are still counted as they stream in. `onError` is told when the
 * request reached the limit, so that a refusal is timed as it took.
 */
export function bodyLimit(options: {
  readonly maxSize: number
  readonly onError: (c: Context, startedAt: number) => Response | Promise<Response>
}): MiddlewareHandler {
  return async (c: Context, next: Next) => {
    const startedAt = performance.now()
    const headers = c.req.raw.headers
    const length = headers.get('content-length')
    if (length === null || headers.has('transfer-encoding'))
      return streamingBodyLimit({ maxSize: options.maxSize, onError: (c) => options.onError(c, startedAt) })(c, next)
    if (parseInt(length, 10) > options.maxSize) return options.onError(c, startedAt)
    await next()
  }
}
