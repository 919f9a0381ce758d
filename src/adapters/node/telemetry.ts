import { DEFAULTS } from '../../defaults.js'
import { packageVersion } from '../../package-info.js'
import { lineLogger, type Logger } from '../../telemetry/logger.js'
import type { Telemetry } from '../../telemetry/telemetry.js'
import type { Tracing } from '../../telemetry/tracing.js'
import { buildInfo } from './build-info.js'
import { registeredTracing } from './opentelemetry.js'
import { processMetrics } from './process-metrics.js'

/** Text lines on stdout: what a server logs to unless told otherwise. */
export const stdoutLogger = (format: 'text' | 'json' = DEFAULTS.logging.format): Logger =>
  lineLogger(format, (line) => void process.stdout.write(line))

/**
 * A Node server's telemetry: the logger it was given, tracing (given, or the registered OpenTelemetry
 * provider's), and the process's and the build's metrics. `stop` ends the event-loop sampling.
 */
export async function nodeTelemetry(
  service: string,
  options: {
    readonly logger?: Logger
    readonly tracing?: Tracing | false
    readonly bento?: { readonly name: string; readonly version: string }
  },
): Promise<{ telemetry: Telemetry; stop(): void }> {
  const tracing = options.tracing === false ? undefined : (options.tracing ?? (await registeredTracing()))
  const figures = processMetrics()
  const build = buildInfo(packageVersion(), service, options.bento)
  return {
    telemetry: { logger: options.logger ?? stdoutLogger(), tracing, metrics: () => [build, ...figures.collect()] },
    stop: figures.stop,
  }
}
