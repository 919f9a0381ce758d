// The seam tiffin traces through. The batcher, runners and HTTP apps speak only this; the one
// implementation (opentelemetry.ts) is made from `@opentelemetry/api` where an app has it, and where it
// has not, nothing is traced and nothing of OpenTelemetry is loaded.

export type SpanAttributes = Readonly<Record<string, string | number | boolean | undefined>>

export interface Tracing {
  /** The span of one HTTP request (server kind), continuing the trace its `traceparent` header names. */
  request(request: Request, name: string, attributes: SpanAttributes): RequestSpan
  /**
   * The spans of one runner call: under the active span if there is one, else under the API call whose
   * `signal` it was given (so a handler's runner calls nest under its API span in every runtime, with or
   * without a context manager that follows async functions).
   */
  call(name: string, signal: AbortSignal | undefined, attributes: SpanAttributes): CallTrace
}

export interface RequestSpan {
  readonly traceId: string
  /** Runs `work` with this span as the parent of the spans it starts; `signal` stands for it too. */
  run<T>(signal: AbortSignal, work: () => T): T
  /** Ends the span with the response's status (an error status from 500 on). */
  end(status: number, error?: unknown): void
}

/** A runner call's time in the queue, then each batch it went out in. */
export interface CallTrace {
  /** The call (or a piece of it) went out in a batch: the queue span ends, an execution span starts. */
  executing(attributes: SpanAttributes): BatchSpan
  /** The call is settled; a queue span still open (the call was refused, cancelled) ends with `error`. */
  end(error?: unknown): void
}

export interface BatchSpan {
  /** Headers that carry this span's context to another process (W3C `traceparent`, `tracestate`). */
  readonly headers: Readonly<Record<string, string>>
  end(error?: unknown): void
}
