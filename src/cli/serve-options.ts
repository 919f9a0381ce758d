// What `tiffin serve` listens, logs and stops with: its flags, then the environment, then the serve config file.
import type { ServeOptions } from '../adapters/node/server.js'
import { stdoutLogger } from '../adapters/node/telemetry.js'
import { DEFAULTS } from '../defaults.js'
import type { ServeConfig } from '../service/serve-config.js'
import type { LogFormat, Logger } from '../telemetry/logger.js'

export interface ServeFlags {
  readonly port?: number
  readonly host?: string
  readonly runnerMap?: Readonly<Record<string, readonly string[]>>
  readonly logFormat?: LogFormat
}

/**
 * `--port`, then `PORT`, then `http.port`; `--host`, then `http.host`; `--runner-map` per runner, then each
 * runner's `urls`; `--log-format`, then `logging.format`; the file's `shutdown` and `logging.access`. What
 * none of them sets is left to the defaults.
 */
export function serveOptions(
  flags: ServeFlags,
  config: ServeConfig,
  env: NodeJS.ProcessEnv,
): ServeOptions & { readonly logger: Logger } {
  const urls = Object.entries(config.runners ?? {}).flatMap(([name, r]) => (r.urls ? [[name, r.urls] as const] : []))
  return {
    port: flags.port ?? (Number(env.PORT) || config.http?.port),
    host: flags.host ?? config.http?.host,
    runnerMap: { ...Object.fromEntries(urls), ...flags.runnerMap },
    drainMs: config.shutdown?.drainMs,
    shutdownDelayMs: config.shutdown?.delayMs,
    logger: stdoutLogger(flags.logFormat ?? config.logging?.format ?? DEFAULTS.logging.format),
    accessLog: config.logging?.access ?? DEFAULTS.logging.access,
  }
}
