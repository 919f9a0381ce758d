import type { BatchExecutor } from '../batching/executor.js'
import type { SetupReport, WorkerSpec } from './host.js'
import type { LiveCounts } from './live-counts.js'

/** A batch executor as a runner keeps it: set up, watched, counted and closed. */
export interface Executor extends BatchExecutor {
  /** Calls sent and not yet answered. */
  readonly inFlight: number
  setup(spec: WorkerSpec, timeoutMs: number): Promise<SetupReport>
  /** What the thread it runs in holds open (for leak checks); absent where it cannot tell (a remote replica). */
  counts?(): Promise<LiveCounts>
  /** Called once when the executor can take no more calls (crash, exit, timeout). */
  onDeath(listener: (cause: Error) => void): void
  /** Releases what the runnable holds, then stops the executor. */
  close(): Promise<void>
}
