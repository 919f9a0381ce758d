import { TiffinError } from '../errors.js'
import type { Logger, LogValue } from '../telemetry/logger.js'

/** The body of every error response. */
export interface ErrorBody {
  /** A stable code: `bad_input`, `unprocessable`, `overloaded`, `timeout`, `internal`… */
  readonly error: string
  readonly message: string
  readonly requestId: string
}

/**
 * The one place an error becomes an HTTP response. tiffin's errors keep their status and message; anything
 * else is a 500 whose message says nothing of the internals: the error and its stack go to `logger`, in one
 * record carrying the request id the client is given (and `fields`: the API, the trace), never to the client.
 */
export function errorResponse(
  error: unknown,
  requestId: string,
  logger: Logger,
  fields?: Readonly<Record<string, LogValue>>,
): Response {
  const known = error instanceof TiffinError && error.status !== 500
  if (!known)
    logger.log({
      level: 'error',
      event: 'request.failed',
      message: `A request failed with 500: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      fields: { requestId, ...fields },
      error,
    })
  const status = known ? error.status : 500
  const body: ErrorBody = known
    ? { error: error.code, message: error.message, requestId }
    : { error: 'internal', message: 'The server failed to handle the request; the error was logged', requestId }
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
  }
  // Every 503 (overloaded, not started, a worker lost under the call) is worth retrying: say when.
  if (status === 503)
    headers['retry-after'] = String(
      Math.min(3600, Math.max(1, Math.ceil((error as TiffinError).retryAfterS ?? 1) || 1)),
    )
  return new Response(JSON.stringify(body), { status, headers })
}
