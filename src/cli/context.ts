import type { BentoStore } from '../build/bento-store.js'
import type { ModelStore } from '../store/model-store.js'

/** What every command module is handed, so no command reaches for globals itself. */
export interface CliContext {
  readonly store: ModelStore
  /** Built services, under the same home as the store. */
  readonly bentos: BentoStore
  readonly stdout: NodeJS.WriteStream
  readonly stderr: NodeJS.WriteStream
}

/** Writes lines to a stream, each ended with a newline. */
export function printLines(stream: NodeJS.WritableStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(lines.join('\n') + '\n')
}
