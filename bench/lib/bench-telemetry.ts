// What the benchmarks' tiffin server traces and logs, from $TIFFIN_BENCH_TELEMETRY (a comma list), so
// that bench:http --telemetry and bench:soak --telemetry can measure what each costs:
// - `tracing`: the OpenTelemetry SDK registered as the README's tracing.mjs does (AsyncLocalStorage
//   context, W3C propagation, a batch span processor) with an exporter that drops what it is given, so
//   that only tiffin's spans and the SDK's bookkeeping are measured, not an exporter's network;
// - `tracing-without-context`: the same without the context manager, which tiffin's own spans do without
//   (a runner call finds its API span through its signal) and which costs every promise a hook in Node 20;
// - `json-log`: JSON lines with the access log on, one line a request, written synchronously (as
//   Node writes stdout to a file or a pipe) to /dev/null, so the benchmark's terminal stays readable.
// Unset: tiffin's defaults (no tracer provider, so no spans; text lines, no access log).
import { openSync, writeSync } from 'node:fs'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { lineLogger, type ServeOptions } from '../../src/node.js'

export type TelemetryPart = 'tracing' | 'tracing-without-context' | 'json-log'
const PARTS: readonly string[] = ['tracing', 'tracing-without-context', 'json-log'] satisfies TelemetryPart[]

/** What a benchmark variant turns on, as the server's environment says it. */
export const telemetryEnv = (parts: readonly TelemetryPart[]): Record<string, string> => ({
  TIFFIN_BENCH_TELEMETRY: parts.join(','),
})

const dropping: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
}

export function benchTelemetry(
  env: NodeJS.ProcessEnv = process.env,
): Pick<ServeOptions, 'logger' | 'accessLog'> & { readonly description: string } {
  const parts = new Set((env.TIFFIN_BENCH_TELEMETRY ?? '').split(',').filter(Boolean))
  for (const part of parts)
    if (!PARTS.includes(part)) throw new Error(`TIFFIN_BENCH_TELEMETRY: "${part}" is none of ${PARTS.join(', ')}`)
  if (parts.has('tracing') || parts.has('tracing-without-context')) {
    const processor = new BatchSpanProcessor(dropping, { maxQueueSize: 65_536 })
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [processor] }))
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  }
  if (parts.has('tracing')) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const description = [...parts].join(', ')
  if (!parts.has('json-log')) return { description }
  const devNull = openSync('/dev/null', 'w')
  return { logger: lineLogger('json', (line) => void writeSync(devNull, line)), accessLog: true, description }
}
