// A logger that keeps what it is told, for tests that read back what a server or runner logged.
import type { Logger, LogRecord } from '../../src/telemetry/logger.js'

export function recordingLogger(): Logger & { readonly records: LogRecord[]; of(event: string): LogRecord[] } {
  const records: LogRecord[] = []
  return {
    records,
    log: (record) => void records.push(record),
    of: (event) => records.filter((r) => r.event === event),
  }
}

/** JSON log lines among a process's output (other lines, such as a text line, are left out). */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** Waits for a condition the system reaches by itself (a line logged), failing after `ms` with `what`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
