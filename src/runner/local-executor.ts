import type { Executor } from './executor.js'
import type { SetupReport, WorkerHost, WorkerSpec } from './host.js'
import type { LiveCounts } from './live-counts.js'

/** Resolves in a task of its own, after the events already queued (no timer clamping: setImmediate, or a message). */
const nextTask: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((resolve) => setImmediate(resolve))
    : (() => {
        const waiting: (() => void)[] = []
        const channel = new MessageChannel()
        channel.port1.onmessage = () => waiting.shift()?.()
        return () => new Promise<void>((resolve) => (waiting.push(resolve), channel.port2.postMessage(null)))
      })()

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
      // A run in this thread (WASM on one thread, say) blocks it: the requests that came in meanwhile are
      // still waiting as events. Letting them in before the next batch is taken lets them join it.
      await nextTask()
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
