import type { OpenTelemetryApi, OtelContext, OtelGetter, OtelSpan } from './opentelemetry-api.js'
import { SPAN_KIND, STATUS_ERROR } from './opentelemetry-api.js'
import type { BatchSpan, CallTrace, SpanAttributes, Tracing } from './tracing.js'

const headersGetter: OtelGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
}

const failed = (span: OtelSpan, error: unknown): void => {
  if (error instanceof Error) span.recordException(error)
  span.setStatus({ code: STATUS_ERROR, message: error instanceof Error ? error.message : String(error) })
}

/**
 * tiffin's spans through OpenTelemetry: pass the `@opentelemetry/api` module of an app that has
 * registered a tracer provider (in Node, `tiffin serve` finds it by itself). Requests continue the trace
 * their `traceparent` names, by the propagator the app registered (the SDK's default is W3C trace context).
 */
export function openTelemetryTracing(api: OpenTelemetryApi, tracerName = 'tiffin-serve'): Tracing {
  const tracer = api.trace.getTracer(tracerName)
  // The API span each handler's signal stands for: where a runner call made with that signal nests
  // when no context manager carried the active span into it (a page, a Service Worker).
  const bySignal = new WeakMap<AbortSignal, OtelContext>()
  return {
    request(request, name, attributes) {
      const parent = api.propagation.extract(api.context.active(), request.headers, headersGetter)
      const span = tracer.startSpan(name, { kind: SPAN_KIND.server, attributes }, parent)
      const context = api.trace.setSpan(parent, span)
      return {
        traceId: span.spanContext().traceId,
        run(signal, work) {
          bySignal.set(signal, context)
          return api.context.with(context, work)
        },
        end(status, error) {
          span.setAttribute('http.response.status_code', status)
          if (status >= 500) failed(span, error ?? new Error(`answered ${status}`))
          span.end()
        },
      }
    },
    call(name, signal, attributes): CallTrace {
      const active = api.context.active()
      const parent = api.trace.getSpan(active) ? active : ((signal && bySignal.get(signal)) ?? active)
      const queue = tracer.startSpan(`queue ${name}`, { kind: SPAN_KIND.internal, attributes }, parent)
      let queued = true
      const endQueue = (error?: unknown): void => {
        if (!queued) return
        queued = false
        if (error !== undefined) failed(queue, error)
        queue.end()
      }
      return {
        executing(batch: SpanAttributes): BatchSpan {
          endQueue()
          const span = tracer.startSpan(
            `execute ${name}`,
            { kind: SPAN_KIND.internal, attributes: { ...attributes, ...batch } },
            parent,
          )
          const headers: Record<string, string> = {}
          api.propagation.inject(api.trace.setSpan(parent, span), headers)
          return {
            headers,
            end(error) {
              if (error !== undefined) failed(span, error)
              span.end()
            },
          }
        },
        end: endQueue,
      }
    },
  }
}
