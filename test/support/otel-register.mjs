// Registers an OpenTelemetry tracer provider in a `tiffin serve` child process, as an operator's
// `node --import ./tracing.js` would: the SDK's in-memory exporter, the AsyncLocalStorage context manager
// and the W3C trace-context propagator. At exit the finished spans go to $TIFFIN_TEST_SPANS as JSON,
// for the test to read. Plain JavaScript: it runs from NODE_OPTIONS, before tsx is loaded.
import { writeFileSync } from 'node:fs'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'

const exporter = new InMemorySpanExporter()
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
propagation.setGlobalPropagator(new W3CTraceContextPropagator())

process.on('exit', () => {
  const spans = exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
    status: span.status,
    pid: process.pid,
  }))
  writeFileSync(process.env.TIFFIN_TEST_SPANS, JSON.stringify(spans))
})
