import { openTelemetryTracing } from '../../telemetry/opentelemetry.js'
import type { Tracing } from '../../telemetry/tracing.js'

/**
 * Tracing through the OpenTelemetry tracer provider the process registered (`node --import ./tracing.js`,
 * the SDK's usual set-up), if `@opentelemetry/api` is installed and one is: else none, at no cost, and
 * nothing of OpenTelemetry is loaded where the package is absent (it is an optional peer dependency).
 */
export async function registeredTracing(): Promise<Tracing | undefined> {
  let api: typeof import('@opentelemetry/api')
  try {
    api = await import('@opentelemetry/api')
  } catch {
    return undefined
  }
  const provider = api.trace.getTracerProvider()
  // The API hands out a proxy whose delegate is the registered provider, and which has none until then.
  const registered =
    !(provider instanceof api.ProxyTracerProvider) || provider.getDelegateTracer('tiffin-serve') !== undefined
  return registered ? openTelemetryTracing(api) : undefined
}
