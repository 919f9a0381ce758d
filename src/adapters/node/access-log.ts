// `logging.access`: one record per answered request, through the server's logger (text or JSON).
import type { LogRecord } from '../../telemetry/logger.js'

/** The access log's record of a request, its answer and the milliseconds it took: never its body. */
export function accessRecord(request: Request, response: Response, ms: number): LogRecord {
  const method = request.method
  const path = new URL(request.url).pathname
  const status = response.status
  return {
    level: 'info',
    event: 'http.access',
    message: `${method} ${path} ${status}`,
    fields: {
      method,
      path,
      status,
      ms: Math.round(ms * 100) / 100,
      requestId: response.headers.get('x-request-id') ?? '-',
    },
  }
}
