import { CommanderError } from 'commander'
import { BadInput, TiffinError } from '../errors.js'

/** Exit codes: usage errors and bad input are the caller's to fix; anything else is a failure. */
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

export interface ErrorReport {
  /** One line for stderr, or `undefined` when commander has already said everything (help). */
  readonly line: string | undefined
  readonly exitCode: number
}

const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim()

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    typeof (error as NodeJS.ErrnoException).path === 'string'
  )
}

/** Turns anything a command threw into the one line the user sees and the process's exit code. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CommanderError) {
    // Help and --version end with exit code 0; help shown because a command was left out is a usage error.
    if (error.exitCode === 0) return { line: undefined, exitCode: 0 }
    if (error.code === 'commander.help') return { line: undefined, exitCode: EXIT_USAGE }
    return { line: oneLine(error.message.replace(/^error: /, '')), exitCode: EXIT_USAGE }
  }
  if (error instanceof TiffinError)
    return { line: oneLine(error.message), exitCode: error instanceof BadInput ? EXIT_USAGE : EXIT_FAILURE }
  if (isSystemError(error)) {
    const reason = SYSTEM_ERRORS[error.code!] ?? oneLine(error.message)
    return { line: `${error.path}: ${reason}`, exitCode: EXIT_FAILURE }
  }
  return { line: oneLine(error instanceof Error ? error.message : String(error)), exitCode: EXIT_FAILURE }
}

/** Reports an error on stderr as `tiffin: <message>` (plus the stack when debugging) and returns the exit code. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream, debug: boolean): number {
  const { line, exitCode } = describeError(error)
  if (line !== undefined) stderr.write(`tiffin: ${line}\n`)
  if (debug && error instanceof Error && !(error instanceof CommanderError)) stderr.write(`${error.stack ?? ''}\n`)
  return exitCode
}
