// The serve config (`tiffin serve --config FILE`): what an operator sets at deploy time without editing code.
// Per runner, by name, the config layer of its settings; for the server, HTTP, logging and shutdown.
import { RESOURCES } from '../runner/runnable.js'
import type { Runner } from '../runner/runner.js'
import type { RunnerConfig } from '../runner/runner-options.js'
import { boolean, failIn, mapping, millis, oneOf, onlyKeys, text, urls, whole, type Fail } from './config-checks.js'
import type { HttpConfig, ServiceConfig } from './service.js'

export interface ServeRunnerConfig extends RunnerConfig {
  /** Replicas that run this runner (`tiffin serve … --runner NAME`): an API server calls them instead, as with `--runner-map`. */
  readonly urls?: readonly string[]
}

export interface LoggingConfig {
  /** One record per request: method, path, status, milliseconds, request id (default false). */
  readonly access?: boolean
  /** Every log line as `text` for a person (default) or as `json`, one object a line (`--log-format` wins). */
  readonly format?: 'text' | 'json'
}

export interface ShutdownConfig {
  /** On SIGTERM, how long `/readyz` answers 503 while requests are still served, before draining (default 5 s). */
  readonly delayMs?: number
  /** How long draining waits for requests in flight (default 30 s). */
  readonly drainMs?: number
}

export interface ServeConfig {
  readonly runners?: Readonly<Record<string, ServeRunnerConfig>>
  /** The API server's HTTP settings; `port` and `host` are where any server listens. */
  readonly http?: HttpConfig & { readonly port?: number; readonly host?: string }
  readonly logging?: LoggingConfig
  readonly shutdown?: ShutdownConfig
}

const BATCHING_KEYS = ['enabled', 'maxBatchSize', 'maxLatencyMs', 'maxQueueItems']
/** The keys of a runner's section, as a build config's runners also hold them. */
export const RUNNER_KEYS = ['batching', 'workers', 'resource', 'timeoutMs', 'setupTimeoutMs']
const HTTP_KEYS = ['maxBodyBytes', 'timeoutMs', 'maxInFlight', 'cors']

/** Checks a serve config read from `where`, field by field; the first bad field is refused in one line. */
export function checkServeConfig(raw: unknown, where: string): ServeConfig {
  const fail = failIn(where)
  const config = mapping(raw, 'the config', 'with runners, http, logging or shutdown', fail)
  onlyKeys(config, '', ['runners', 'http', 'logging', 'shutdown'], fail)
  if (config.runners !== undefined) {
    const runners = mapping(config.runners, 'runners', 'from runner names to their settings', fail)
    for (const [name, value] of Object.entries(runners)) {
      const section = mapping(value, `runners.${name}`, `of ${[...RUNNER_KEYS, 'urls'].join(', ')}`, fail)
      onlyKeys(section, `runners.${name}`, [...RUNNER_KEYS, 'urls'], fail)
      checkRunnerSection(section, `runners.${name}`, fail)
      urls(section.urls, `runners.${name}.urls`, fail)
    }
  }
  if (config.http !== undefined) {
    const http = mapping(config.http, 'http', `of port, host, ${HTTP_KEYS.join(', ')}`, fail)
    onlyKeys(http, 'http', ['port', 'host', ...HTTP_KEYS], fail)
    whole(http.port, 'http.port', fail, 0, 65535)
    text(http.host, 'http.host', fail)
    checkHttp(http, 'http', fail)
  }
  if (config.logging !== undefined) {
    const logging = mapping(config.logging, 'logging', 'of access and format', fail)
    onlyKeys(logging, 'logging', ['access', 'format'], fail)
    boolean(logging.access, 'logging.access', fail)
    oneOf(logging.format, 'logging.format', ['text', 'json'], fail)
  }
  if (config.shutdown !== undefined) {
    const shutdown = mapping(config.shutdown, 'shutdown', 'of delayMs and drainMs', fail)
    onlyKeys(shutdown, 'shutdown', ['delayMs', 'drainMs'], fail)
    millis(shutdown.delayMs, 'shutdown.delayMs', fail, true)
    millis(shutdown.drainMs, 'shutdown.drainMs', fail, true)
  }
  return config as ServeConfig
}

/** The values of a runner's section (its keys are checked by the caller, which may allow more). */
export function checkRunnerSection(section: Record<string, unknown>, path: string, fail: Fail): void {
  if (section.batching !== undefined) {
    const batching = mapping(section.batching, `${path}.batching`, `of ${BATCHING_KEYS.join(', ')}, methods`, fail)
    onlyKeys(batching, `${path}.batching`, [...BATCHING_KEYS, 'methods'], fail)
    checkBatching(batching, `${path}.batching`, fail)
    if (batching.methods !== undefined) {
      const methods = mapping(batching.methods, `${path}.batching.methods`, 'from method names to settings', fail)
      for (const [method, value] of Object.entries(methods)) {
        const at = `${path}.batching.methods.${method}`
        const one = mapping(value, at, `of ${BATCHING_KEYS.join(', ')}`, fail)
        onlyKeys(one, at, BATCHING_KEYS, fail)
        checkBatching(one, at, fail)
      }
    }
  }
  whole(section.workers, `${path}.workers`, fail, 1)
  oneOf(section.resource, `${path}.resource`, RESOURCES, fail)
  millis(section.timeoutMs, `${path}.timeoutMs`, fail)
  millis(section.setupTimeoutMs, `${path}.setupTimeoutMs`, fail)
}

function checkBatching(batching: Record<string, unknown>, path: string, fail: Fail): void {
  boolean(batching.enabled, `${path}.enabled`, fail)
  whole(batching.maxBatchSize, `${path}.maxBatchSize`, fail, 1)
  millis(batching.maxLatencyMs, `${path}.maxLatencyMs`, fail)
  whole(batching.maxQueueItems, `${path}.maxQueueItems`, fail, 1)
}

function checkHttp(http: Record<string, unknown>, path: string, fail: Fail): void {
  whole(http.maxBodyBytes, `${path}.maxBodyBytes`, fail, 1)
  millis(http.timeoutMs, `${path}.timeoutMs`, fail)
  whole(http.maxInFlight, `${path}.maxInFlight`, fail, 1)
  if (http.cors !== undefined) {
    const cors = mapping(http.cors, `${path}.cors`, 'of origin and credentials', fail)
    onlyKeys(cors, `${path}.cors`, ['origin', 'credentials'], fail)
    const { origin } = cors
    const origins = Array.isArray(origin) ? origin : [origin]
    if (!(origins.length > 0 && origins.every((o) => typeof o === 'string' && o !== '')))
      fail(`${path}.cors.origin`, 'must be an origin or a list of origins', origin)
    boolean(cors.credentials, `${path}.cors.credentials`, fail)
  }
}

/**
 * Checks a config layer against the service it configures: every runner it names is one of the service's,
 * every method one of that runner's, every resource one its runnable runs on.
 */
export function checkAgainstService(
  config: ServiceConfig,
  service: { readonly name: string; readonly runners: readonly Runner[] },
  where: string,
): void {
  const fail = failIn(where)
  for (const [name, section] of Object.entries(config.runners ?? {})) {
    const runner = service.runners.find((r) => r.name === name)
    const names = service.runners.map((r) => r.name).join(', ') || 'none'
    if (!runner) fail(`runners.${name}`, `names no runner of service "${service.name}"; it has ${names}`)
    for (const method of Object.keys(section.batching?.methods ?? {})) {
      if (!(method in runner!.methods))
        fail(
          `runners.${name}.batching.methods.${method}`,
          `names no method of runner "${name}"; it has ${Object.keys(runner!.methods).join(', ')}`,
        )
    }
    const { resources } = runner!.runnable
    if (section.resource !== undefined && !resources.includes(section.resource))
      fail(
        `runners.${name}.resource`,
        `must be one of ${resources.join(', ')} (what runnable "${runner!.runnable.name}" runs on)`,
        section.resource,
      )
  }
}
