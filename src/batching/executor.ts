/**
 * What the batcher sends batches to: a worker, the calling thread, a page's lent workers, or a remote
 * replica. The batcher declares it; runner/ implements it, so the batcher never knows which it has.
 */
export interface BatchExecutor {
  readonly label: string
  /**
   * A batch lost with this executor may run again elsewhere: it was lent (a page that closed), and its
   * loss says nothing about the batch. (A batch that had not started runs again from any executor.)
   */
  readonly retryOnLoss?: boolean
  /** Batches it may hold at once (default 1: a worker runs one at a time; a remote replica batches itself). */
  readonly capacity?: number
  /**
   * Takes one batch more while it is full, when that batch is full too: it waits in the executor rather than
   * in the queue, so a worker that runs one at a time starts it the moment the last one ends. Such an
   * executor runs its batches in the order sent: one lost while the batch ahead was unanswered never started.
   */
  readonly queuesFullBatch?: boolean
  /**
   * Runs one call; `transfer` moves the input's buffers instead of copying them; `traceHeaders` carry the
   * batch's trace to an executor in another process (a remote replica sends them on; others ignore them).
   */
  call(method: string, input: unknown, options: BatchCallOptions): Promise<unknown>
}

export interface BatchCallOptions {
  readonly timeoutMs: number
  readonly transfer?: boolean
  readonly traceHeaders?: Readonly<Record<string, string>>
}
