import { TiffinError } from '../errors.js'

/** The body of every error response. */
export interface ErrorBody {
  /** A stable code: `bad_input`, `unprocessable`, `overloaded`, `timeout`, `internal`… */
  readonly error: string
  readonly message: string
  readonly requestId: string
}

/**
 * The one place an error becomes an HTTP response. tiffin's errors keep their status and message; anything
 * else is a 500 whose message says nothing of the internals (the stack goes to `log`, never to the client).
 */
export function errorResponse(
  error: unknown,
  requestId: string,
  log: (error: unknown) => void = console.error,
): Response {
  const known = error instanceof TiffinError && error.status !== 500
  if (!known) log(error)
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
