import type { Hono } from 'hono'
import type { MethodMetrics } from '../batching/metrics.js'
import type { IODescriptor } from '../io/descriptor.js'
import type { RunnerPlatform } from '../runner/platform.js'
import type { Runner } from '../runner/runner.js'
import type { RunnerConfig, RunnerConfigLayer } from '../runner/runner-options.js'
import type { ModelStore } from '../store/model-store.js'
import { validateTagPart } from '../tag.js'
import { consoleLogger } from '../telemetry/logger.js'
import type { Telemetry } from '../telemetry/telemetry.js'
import { buildApp, type ServiceEnv } from './app.js'
import { HttpMetrics } from './http-metrics.js'
import { openApiDocument, type OpenApiDocument } from './openapi.js'
import { checkAgainstService, checkServeConfig } from './serve-config.js'

export interface HttpConfig {
  /** Largest request body accepted, in bytes (default 32 MiB); larger ones get a 413. */
  readonly maxBodyBytes?: number
  /** Longest an API call may take before it is answered with a 504 (default 60 s). */
  readonly timeoutMs?: number
  /**
   * Most API calls handled at once (default 1024); beyond it a call is answered 503 with Retry-After before
   * its body is read, which bounds the memory that request bodies can take.
   */
  readonly maxInFlight?: number
  /** Cross-origin requests are refused unless origins are listed here. */
  readonly cors?: { readonly origin: string | readonly string[]; readonly credentials?: boolean }
}

/** A service's configuration, in one typed object. */
export interface ServiceConfig {
  /** Per runner, the config layer of its settings: below the runner's own options and method configs. */
  readonly runners?: Readonly<Record<string, RunnerConfig>>
  readonly http?: HttpConfig
}

/** Where a service's runners run: the runtime, the store their models come from, and what it reports through. */
export interface ServiceEnvironment {
  readonly platform: RunnerPlatform
  /** Defaults to the platform's store. */
  readonly store?: ModelStore
  /** Its logger, its tracing and the runtime's metrics (default: the console, no traces). */
  readonly telemetry?: Telemetry
}

/** What a handler gets beside its input. */
export interface ApiContext {
  readonly request: Request
  readonly requestId: string
  /** Aborts when the client goes away or the call overruns `timeoutMs`: pass it to runner calls. */
  readonly signal: AbortSignal
}

export interface ApiOptions<I, O> {
  readonly input: IODescriptor<I>
  readonly output: IODescriptor<O>
  /** Defaults to `/<name>`. */
  readonly route?: string
  /** Defaults to the handler's function name. */
  readonly name?: string
  readonly doc?: string
}

export type ApiHandler<I, O> = (input: I, context: ApiContext) => O | Promise<O>

export interface Api<I = unknown, O = unknown> {
  readonly name: string
  readonly route: string
  readonly doc: string | undefined
  readonly input: IODescriptor<I>
  readonly output: IODescriptor<O>
  readonly handler: ApiHandler<I, O>
}

/** The APIs of a service, by name, as types: what a typed client is built from. */
export type ApiTypes = Record<string, { readonly input: unknown; readonly output: unknown }>

export const SERVICE_BRAND = Symbol.for('tiffin.service')

export const RESERVED_ROUTES = ['/healthz', '/livez', '/readyz', '/metrics', '/runners.json', '/docs', '/docs.json']

/**
 * A set of HTTP APIs whose handlers call runners. The same service answers in a page (`fetch`), in a
 * Service Worker and on Node; the adapters only decide how requests reach `fetch` and how runners start.
 */
export class Service<Apis extends ApiTypes = {}> {
  /** Marks services made by any copy of tiffin (a project's own, or the one its CLI runs from). */
  readonly [SERVICE_BRAND] = true
  /** Type-only: the APIs' input and output types, for `createClient<typeof service>()`. */
  declare readonly apiTypes: Apis
  private readonly added: Api[] = []
  readonly runners: readonly Runner[]
  readonly config: ServiceConfig
  readonly httpMetrics = new HttpMetrics()
  /** What the service logs and traces through: the console until it starts with the environment's own. */
  telemetry: Telemetry = { logger: consoleLogger }
  private built: Hono<ServiceEnv> | undefined
  /** The config file's layer (`configure`), over the service's own config. */
  private deployed: ServiceConfig = {}

  constructor(
    readonly name: string,
    options: { readonly runners?: readonly Runner[]; readonly config?: ServiceConfig } = {},
  ) {
    validateTagPart(name, 'name')
    this.runners = options.runners ?? []
    this.config = options.config ?? {}
    const seen = new Set<string>()
    for (const runner of this.runners) {
      if (seen.has(runner.name))
        throw new TypeError(`Service "${name}" has two runners named "${runner.name}"; give one a different name`)
      seen.add(runner.name)
    }
    for (const [runner, settings] of Object.entries(this.config.runners ?? {})) {
      if (!seen.has(runner))
        throw new TypeError(`Service "${name}" configures runner "${runner}", which it does not have`)
      const { methods } = this.runners.find((r) => r.name === runner)!
      for (const method of Object.keys(settings.batching?.methods ?? {}))
        if (!(method in methods))
          throw new TypeError(
            `Service "${name}" configures method "${method}" of runner "${runner}", which it does not have`,
          )
    }
  }

  /** Adds an API. Call before the service first answers a request. */
  api<const N extends string, I, O>(
    options: ApiOptions<I, O> & { readonly name?: N },
    handler: ApiHandler<I, O>,
  ): Service<Apis & { [K in N]: { readonly input: I; readonly output: O } }> {
    if (this.built) throw new TypeError(`Service "${this.name}" is already answering requests; add APIs before that`)
    const name = options.name ?? handler.name
    if (!name) throw new TypeError('An API needs a name: pass `name`, or use a named function as its handler')
    if (!/^[A-Za-z_][\w-]*$/.test(name))
      throw new TypeError(`API name "${name}" may hold only letters, digits, "_" and "-"`)
    const route = options.route ?? `/${name}`
    if (!/^\/[\w\-./]*$/.test(route) || route.includes('..'))
      throw new TypeError(
        `API route "${route}" must start with "/" and hold only letters, digits, "-", "_", "." and "/"`,
      )
    if (RESERVED_ROUTES.includes(route))
      throw new TypeError(`API route "${route}" is reserved (${RESERVED_ROUTES.join(', ')})`)
    for (const api of this.added) {
      if (api.name === name) throw new TypeError(`Service "${this.name}" already has an API named "${name}"`)
      if (api.route === route)
        throw new TypeError(`Service "${this.name}" already has an API at ${route} ("${api.name}")`)
    }
    this.added.push({ name, route, doc: options.doc, input: options.input, output: options.output, handler } as Api<
      unknown,
      unknown
    >)
    return this as unknown as Service<Apis & { [K in N]: { readonly input: I; readonly output: O } }>
  }

  /** The APIs, in the order they were added (add them with `api()`). */
  get apis(): readonly Api[] {
    return this.added
  }

  /** The Hono app that answers the service's routes. */
  get app(): Hono<ServiceEnv> {
    this.built ??= buildApp(this)
    return this.built
  }

  /** Answers one request, with no HTTP server in between. */
  fetch = (request: Request): Promise<Response> => Promise.resolve(this.app.fetch(request))

  /**
   * Adds the config file's layer (`tiffin serve --config`, or the same settings as an object in a page or
   * Service Worker): its `runners.<name>` settings and `http` win over the service's own config, key by
   * key, and lose to the runners' own options and method configs. Checked at once, field by field and
   * against the service's runners and methods; replaces an earlier one. Call before the service starts.
   */
  configure(config: ServiceConfig, where = 'the serve config'): this {
    if (this.built || this.runners.some((r) => r.state === 'starting' || r.state === 'ready'))
      throw new TypeError(`Service "${this.name}" has started; configure it before that`)
    checkServeConfig(config, where)
    checkAgainstService(config, this, where)
    this.deployed = config
    return this
  }

  /** The HTTP settings the service answers with: the config file's, then its own, key by key. */
  get httpConfig(): HttpConfig {
    return { ...this.config.http, ...this.deployed.http }
  }

  /** A runner's config layers, strongest first: the config file's, then the service's own. */
  runnerConfig(name: string): RunnerConfigLayer[] {
    const layers: RunnerConfigLayer[] = []
    const file = this.deployed.runners?.[name]
    const own = this.config.runners?.[name]
    if (file) layers.push({ source: 'config file', config: file })
    if (own) layers.push({ source: 'service config', config: own })
    return layers
  }

  /**
   * Starts every runner's workers (or only the one named `only`), in the runtime the serving adapter
   * names. Runners named in `delegated` start with no workers of their own, to run on executors lent to
   * them (remote replicas).
   */
  async init(
    environment: ServiceEnvironment,
    options: { readonly delegated?: readonly string[]; readonly only?: string } = {},
  ): Promise<void> {
    const runners = this.runners.filter((r) => options.only === undefined || r.name === options.only)
    this.observe(environment)
    await this.startAll(
      runners.map((r) => {
        const config = this.runnerConfig(r.name)
        // A delegated runner forwards calls one by one: its remote replicas batch them in their own process.
        if (options.delegated?.includes(r.name))
          return r.initDelegated({
            ...environment,
            config: [{ source: 'remote runner', config: { batching: { enabled: false } } }, ...config],
          })
        return r.init({ ...environment, config })
      }),
    )
  }

  /** Runs every runner in the calling thread (where workers cannot be started, and for tests). */
  async initLocal(environment: ServiceEnvironment): Promise<void> {
    this.observe(environment)
    await this.startAll(this.runners.map((r) => r.initLocal({ ...environment, config: this.runnerConfig(r.name) })))
  }

  /**
   * Starts every runner with no workers of its own, to run on executors lent to it (see `Runner.lend`); with
   * `ownModels`, each waits for its models as `init` does, to run them itself too (`Runner.addLocal`).
   */
  async initDelegated(environment: ServiceEnvironment, options: { readonly ownModels?: boolean } = {}): Promise<void> {
    this.observe(environment)
    await this.startAll(
      this.runners.map((r) => r.initDelegated({ ...environment, config: this.runnerConfig(r.name) }, options)),
    )
  }

  /** Takes the environment's telemetry; its runners are started with it too (`environment` is passed on whole). */
  private observe(environment: ServiceEnvironment): void {
    if (environment.telemetry) this.telemetry = environment.telemetry
  }

  /** Waits for every runner; if one fails, stops the others (their workers would keep the process alive). */
  /**
   * Waits for every runner. A runner waiting for a model not saved yet does not stop the others: it starts
   * once the model is there (see `retryWaiting`). Any other failure stops them all (their workers would keep
   * the process alive) and rejects.
   */
  private async startAll(starts: Promise<void>[]): Promise<void> {
    const results = await Promise.allSettled(starts)
    const failed = results.find(
      (r, i): r is PromiseRejectedResult => r.status === 'rejected' && this.runners[i]!.state !== 'waiting',
    )
    if (!failed) return
    await this.shutdown()
    throw failed.reason
  }

  /** Tries again to start every runner that waits for a model or failed to start: call it when models change. */
  async retryWaiting(): Promise<void> {
    await Promise.allSettled(
      this.runners.filter((r) => r.state === 'waiting' || r.state === 'failed').map((r) => r.retry()),
    )
  }

  /** The runners that wait for a model, and the model each waits for. */
  get waiting(): Readonly<Record<string, string>> {
    return Object.fromEntries(
      this.runners.flatMap((r) => (r.state === 'waiting' && r.waitingFor ? [[r.name, r.waitingFor]] : [])),
    )
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.shutdown()))
  }

  /** True once every runner is up. */
  get ready(): boolean {
    return this.runners.every((r) => r.state === 'ready')
  }

  runnerMetrics(): MethodMetrics[] {
    return this.runners.flatMap((r) => r.metrics())
  }

  openapi(): OpenApiDocument {
    return openApiDocument(this)
  }
}
