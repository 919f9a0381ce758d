// The parts of `@opentelemetry/api` that tiffin uses, as shapes the module itself has: an app passes
// the module (`import * as otel from '@opentelemetry/api'`), and tiffin's own code never imports it.

export interface OtelContext {
  getValue(key: symbol): unknown
}

export interface OtelSpan {
  spanContext(): { readonly traceId: string; readonly spanId: string }
  setAttribute(key: string, value: string | number | boolean): unknown
  setStatus(status: { code: number; message?: string }): unknown
  recordException(exception: Error): void
  end(): void
}

export interface OtelTracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, string | number | boolean | undefined> },
    context?: OtelContext,
  ): OtelSpan
}

export interface OtelGetter<Carrier> {
  keys(carrier: Carrier): string[]
  get(carrier: Carrier, key: string): undefined | string | string[]
}

/** `@opentelemetry/api` as tiffin sees it: its tracer, its context and its propagator. */
export interface OpenTelemetryApi {
  readonly trace: {
    getTracer(name: string, version?: string): OtelTracer
    setSpan(context: OtelContext, span: OtelSpan): OtelContext
    getSpan(context: OtelContext): OtelSpan | undefined
  }
  readonly context: {
    active(): OtelContext
    with<T>(context: OtelContext, fn: () => T): T
  }
  readonly propagation: {
    inject<Carrier>(context: OtelContext, carrier: Carrier): void
    extract<Carrier>(context: OtelContext, carrier: Carrier, getter?: OtelGetter<Carrier>): OtelContext
  }
}

/** OpenTelemetry's span kinds and status codes, fixed by its specification. */
export const SPAN_KIND = { internal: 0, server: 1, client: 2 } as const
export const STATUS_ERROR = 2
