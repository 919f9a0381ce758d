import type { Executor } from './executor.js'
import type { SetupReport, WorkerHost, WorkerSpec } from './host.js'
import type { LiveCounts } from './live-counts.js'

/** Runs a runnable in the calling thread (`initLocal`): for debugging and tests, with no worker at all. */
export class LocalExecutor implements Executor {
  readonly label = 'the calling thread'
  private calls = 0

  constructor(private readonly host: WorkerHost) {}

  get inFlight(): number {
    return this.calls
  }

  setup(spec: WorkerSpec): Promise<SetupReport> {
    return this.host.setup(spec)
  }

  async call(method: string, input: unknown): Promise<unknown> {
    this.calls++
    try {
      return await this.host.call(method, input)
    } finally {
      this.calls--
    }
  }

  counts(): Promise<LiveCounts> {
    return this.host.counts()
  }

  onDeath(): void {
    // The calling thread does not die under the runner.
  }

  close(): Promise<void> {
    return this.host.teardown()
  }
}
