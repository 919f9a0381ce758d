// What `tiffin serve` listens and stops with: its flags, then the environment, then the serve config file.
import type { ServeOptions } from '../adapters/node/server.js'
import { DEFAULTS } from '../defaults.js'
import type { ServeConfig } from '../service/serve-config.js'

export interface ServeFlags {
  readonly port?: number
  readonly host?: string
  readonly runnerMap?: Readonly<Record<string, readonly string[]>>
}

/**
 * `--port`, then `PORT`, then `http.port`; `--host`, then `http.host`; `--runner-map` per runner, then each
 * runner's `urls`; the file's `shutdown` and `logging`. What none of them sets is left to the defaults.
 */
export function serveOptions(flags: ServeFlags, config: ServeConfig, env: NodeJS.ProcessEnv): ServeOptions {
  const urls = Object.entries(config.runners ?? {}).flatMap(([name, r]) => (r.urls ? [[name, r.urls] as const] : []))
  const access = config.logging?.access ?? DEFAULTS.server.accessLog
  return {
    port: flags.port ?? (Number(env.PORT) || config.http?.port),
    host: flags.host ?? config.http?.host,
    runnerMap: { ...Object.fromEntries(urls), ...flags.runnerMap },
    drainMs: config.shutdown?.drainMs,
    shutdownDelayMs: config.shutdown?.delayMs,
    accessLog: access ? (config.logging?.format ?? DEFAULTS.server.logFormat) : undefined,
  }
}
