import type { Logger } from './logger.js'
import type { MetricFamily } from './metric-family.js'
import type { Tracing } from './tracing.js'

/**
 * What a service, its runners and its HTTP apps report through, in one object that the serving
 * adapter makes and passes down (`service.init({ platform, telemetry })`): nothing is looked up globally.
 */
export interface Telemetry {
  readonly logger: Logger
  /** Spans for API calls, runner calls and batches; absent: nothing is traced. */
  readonly tracing?: Tracing
  /** Families the runtime adds to `/metrics` (in Node: the process, and the build). */
  readonly metrics?: () => readonly MetricFamily[]
}
