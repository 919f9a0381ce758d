// The one logger the server, its runners and its adapters write to: passed down, never looked up.

export type LogLevel = 'info' | 'warn' | 'error'

export type LogValue = string | number | boolean | null | undefined

/** One thing that happened, worth a line: never a request's body. */
export interface LogRecord {
  readonly level: LogLevel
  /** A stable name to filter on: `request.failed`, `worker.exited`, `replica.dropped`… */
  readonly event: string
  /** What happened, for a person. */
  readonly message: string
  /** What it happened to: `requestId`, `runner`, `worker`, `cause`… */
  readonly fields?: Readonly<Record<string, LogValue>>
  /** An error behind it, logged with its stack (an error the client was answered 500 for). */
  readonly error?: unknown
}

export interface Logger {
  log(record: LogRecord): void
}

/** Lines for a person (`text`) or one JSON object a line, for a log collector (`json`). */
export type LogFormat = 'text' | 'json'

/** A logger that writes each record as one line (a JSON object, or text with an error's stack after it). */
export function lineLogger(
  format: LogFormat,
  write: (line: string) => void,
  now: () => Date = () => new Date(),
): Logger {
  return {
    log: (record) => write(format === 'json' ? jsonLine(record, now()) : textLine(record, now())),
  }
}

/** A logger for a page or a Service Worker: the browser's console, at the record's level. */
export const consoleLogger: Logger = {
  log({ level, event, message, fields, error }) {
    const args: unknown[] = [`tiffin: ${message}`, { event, ...fields }]
    if (error !== undefined) args.push(error)
    if (level === 'error') console.error(...args)
    else if (level === 'warn') console.warn(...args)
    else console.info(...args)
  },
}

function jsonLine({ level, event, message, fields, error }: LogRecord, time: Date): string {
  const entry: Record<string, unknown> = { time: time.toISOString(), level, event, message, ...fields }
  if (error !== undefined) entry.error = errorFields(error)
  return `${JSON.stringify(entry)}\n`
}

function textLine({ level, message, fields, error }: LogRecord, time: Date): string {
  let line = `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`
  for (const [key, value] of Object.entries(fields ?? {}))
    if (value !== undefined)
      line += ` ${key}=${typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(value) : value}`
  if (error !== undefined)
    line += `\n${indent(error instanceof Error ? (error.stack ?? String(error)) : String(error))}`
  return `${line}\n`
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')

function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) }
  const fields: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack }
  if (error.cause !== undefined) fields.cause = errorFields(error.cause)
  return fields
}
