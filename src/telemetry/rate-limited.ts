import type { Logger, LogRecord } from './logger.js'

/**
 * Logs a kind of record (by `key`) at most once every `intervalMs`: an overloaded server refuses
 * thousands of calls a second, and one line that counts them says as much. The records held back are
 * counted into the next one logged for that key (`suppressed`); `record` is only built for those logged.
 */
export function rateLimited(
  logger: Logger,
  intervalMs: number,
  now: () => number = () => Date.now(),
): (key: string, record: () => LogRecord) => void {
  const kinds = new Map<string, { loggedAt: number; held: number }>()
  return (key, record) => {
    const at = now()
    const kind = kinds.get(key)
    if (kind && at - kind.loggedAt < intervalMs) {
      kind.held++
      return
    }
    const built = record()
    const held = kind?.held ?? 0
    logger.log(held > 0 ? { ...built, fields: { ...built.fields, suppressed: held } } : built)
    kinds.set(key, { loggedAt: at, held: 0 })
  }
}
