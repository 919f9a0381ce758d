// A page that registered an OpenTelemetry tracer provider (the SDK's in-memory exporter, no context
// manager, as a page often has none) and serves a service on Web Workers: driven by tracing.spec.ts.
import * as otel from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import { browserPlatform } from '../../../src/adapters/browser/platform.js'
import * as io from '../../../src/io/index.js'
import { Runner } from '../../../src/runner/runner.js'
import { Service } from '../../../src/service/service.js'
import { consoleLogger } from '../../../src/telemetry/logger.js'
import { openTelemetryTracing } from '../../../src/telemetry/opentelemetry.js'
import scale from '../../fixtures/runnables/scale.js'

/** What the test reads of a finished span. */
interface SpanSummary {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly attributes: Record<string, unknown>
}

const exporter = new InMemorySpanExporter()
otel.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))

const api = {
  async tracedCall() {
    const runner = new Runner(scale, { name: 'double', runnableInitParams: { factor: 2 }, workers: 1 })
    const service = new Service('traced', { runners: [runner as Runner] }).api(
      { name: 'twice', input: io.json<number[]>(), output: io.json() },
      async (numbers, { signal }) => {
        const once = await runner.methods.scale.run(numbers, { signal })
        return runner.methods.scale.run(once, { signal })
      },
    )
    await service.init({
      platform: browserPlatform,
      telemetry: { logger: consoleLogger, tracing: openTelemetryTracing(otel) },
    })
    const response = await service.fetch(
      new Request('http://local/twice', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        },
        body: '[1,2]',
      }),
    )
    const answer: unknown = await response.json()
    await service.shutdown()
    const spans = exporter.getFinishedSpans().map((s: ReadableSpan): SpanSummary => ({
      name: s.name,
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId,
      attributes: s.attributes,
    }))
    return { answer, requestId: response.headers.get('x-request-id'), spans }
  },
}

declare global {
  interface Window {
    tracingTest: typeof api
  }
}
window.tracingTest = api
