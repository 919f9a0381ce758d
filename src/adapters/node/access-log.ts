// `logging.access`: one line per answered request on stdout, as text or as a JSON object.

export type AccessLogFormat = 'text' | 'json'

/** A function to call with each request, its answer and the milliseconds it took. */
export function accessLog(
  format: AccessLogFormat,
  write: (line: string) => void = (line) => void process.stdout.write(line),
): (request: Request, response: Response, ms: number) => void {
  return (request, response, ms) => {
    const entry = {
      time: new Date().toISOString(),
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      ms: Math.round(ms * 100) / 100,
      requestId: response.headers.get('x-request-id') ?? '-',
    }
    write(
      format === 'json'
        ? `${JSON.stringify(entry)}\n`
        : `${entry.time} ${entry.method} ${entry.path} ${entry.status} ${entry.ms}ms ${entry.requestId}\n`,
    )
  }
}
