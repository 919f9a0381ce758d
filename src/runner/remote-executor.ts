import type { BatchCallOptions } from '../batching/executor.js'
import { errorFromFields, Timeout, WorkerLost } from '../errors.js'
import { decodeValue, encodeValue, WIRE_MEDIA_TYPE } from '../tensor/wire-format.js'
import type { Executor } from './executor.js'
import type { SetupReport } from './host.js'
import { exitSignal } from './platform.js'

/**
 * A runner replica on another machine or process, reached over HTTP: its own batcher and workers run the
 * calls. Tensors travel in tiffin's binary format. A replica that stops answering is dead to this
 * executor, and the batch it held runs again on another replica (`retryOnLoss`).
 */
export class RemoteExecutor implements Executor {
  readonly retryOnLoss = true
  /** Calls go out as they come: the replica's own batcher groups them. */
  readonly capacity = 256
  private calls = 0
  private readonly exit = exitSignal()
  private dead: Error | undefined

  constructor(
    readonly label: string,
    private readonly runner: string,
    private readonly url: string,
    private readonly fetchImpl: (request: Request) => Promise<Response> = (request) => fetch(request),
  ) {}

  get inFlight(): number {
    return this.calls
  }

  async setup(): Promise<SetupReport> {
    return { methods: [], notes: [`replica at ${this.url}`] }
  }

  async call(method: string, input: unknown, options: BatchCallOptions): Promise<unknown> {
    if (this.dead) throw this.lost(method, this.dead)
    this.calls++
    try {
      let response: Response
      try {
        const body = encodeValue(input)
        const request = new Request(`${this.url}/call/${encodeURIComponent(method)}`, {
          method: 'POST',
          // The batch's trace goes on in the replica (W3C traceparent), when the caller traces.
          headers: { ...options.traceHeaders, 'content-type': WIRE_MEDIA_TYPE },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        })
        response = await this.fetchImpl(request)
      } catch (error) {
        if ((error as Error).name === 'TimeoutError')
          throw new Timeout(
            `Runner "${this.runner}": "${method}" did not finish within ${options.timeoutMs} ms on ${this.label}`,
          )
        this.die(new Error(`stopped answering (${(error as Error).message})`))
        throw this.lost(method, this.dead!)
      }
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string }
        const retryAfterS = Number(response.headers.get('retry-after')) || undefined
        throw errorFromFields({
          name: 'Error',
          code: body.error,
          message: body.message ?? `${this.label} answered ${response.status}`,
          retryAfterS,
        })
      }
      return decodeValue(new Uint8Array(await response.arrayBuffer()))
    } finally {
      this.calls--
    }
  }

  onDeath(listener: (cause: Error) => void): void {
    this.exit.onExit(listener)
  }

  async close(): Promise<void> {
    this.die(new Error('was let go'))
  }

  private die(cause: Error): void {
    this.dead ??= cause
    this.exit.exit(cause)
  }

  private lost(method: string, cause: Error): WorkerLost {
    return new WorkerLost(`Runner "${this.runner}": ${this.label} ${cause.message} while running "${method}"`, {
      cause,
    })
  }
}
