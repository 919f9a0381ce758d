import { serve as listen } from '@hono/node-server'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULTS } from '../../defaults.js'
import { BadInput } from '../../errors.js'
import { runnerApp } from '../../service/runner-app.js'
import type { Service } from '../../service/service.js'
import { fileStore } from '../../store/fs.js'
import type { ModelStore } from '../../store/model-store.js'
import type { Logger } from '../../telemetry/logger.js'
import type { Tracing } from '../../telemetry/tracing.js'
import { accessRecord } from './access-log.js'
import { nodePlatform } from './platform.js'
import { connectReplicas } from './replicas.js'
import { nodeTelemetry } from './telemetry.js'

export interface ServeOptions {
  /** Default `PORT`, else 3000; 0 picks a free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Start the runners first (default true). */
  readonly init?: boolean
  /** The store the runners' models come from (default `$TIFFIN_HOME`). */
  readonly store?: ModelStore
  /** Runners served elsewhere (`tiffin serve … --runner NAME`), by name: their replicas' URLs. */
  readonly runnerMap?: Readonly<Record<string, readonly string[]>>
  /** How long a shutdown waits for requests in flight (default 30 s). */
  readonly drainMs?: number
  /** How long `shutdown()` keeps serving, with `/readyz` answering 503, before it drains (default 5 s). */
  readonly shutdownDelayMs?: number
  /** Where the server and its runners log (default: text lines on stdout). Nothing logs a request's body. */
  readonly logger?: Logger
  /** One record per request, through `logger` (default false). */
  readonly accessLog?: boolean
  /**
   * Spans for API calls, runner calls and their batches. Default: through the OpenTelemetry tracer provider
   * the process registered, when `@opentelemetry/api` is installed and one is; `false`: none.
   */
  readonly tracing?: Tracing | false
  /** The bento being served, for `tiffin_build_info` in `/metrics`. */
  readonly bento?: { readonly name: string; readonly version: string }
}

export interface RunningServer {
  readonly url: string
  readonly server: Server
  /** Stops taking connections, waits for requests in flight, then stops the runners. */
  close(): Promise<void>
  /**
   * What `tiffin serve` does on SIGTERM: for `shutdownDelayMs`, `/readyz` answers 503 (so load balancers
   * take the server out) while every request is still served, each answer closing its connection (so
   * kept-alive clients reconnect elsewhere); then `close()`.
   */
  shutdown(): Promise<void>
}

/** Serves a service over HTTP in Node; runners in `runnerMap` run on their replicas instead of here. */
export async function serve(service: Service, options: ServeOptions = {}): Promise<RunningServer> {
  const remote = options.runnerMap ?? {}
  for (const name of Object.keys(remote)) {
    if (!service.runners.some((r) => r.name === name))
      throw new TypeError(`The runner map names "${name}", but service "${service.name}" has no such runner`)
  }
  const { telemetry, stop: stopSampling } = await nodeTelemetry(service.name, options)
  const stopWatching: (() => void)[] = [stopSampling]
  if (options.init !== false) {
    await service.init(
      { platform: nodePlatform, store: options.store ?? fileStore(), telemetry },
      { delegated: Object.keys(remote) },
    )
    for (const runner of service.runners)
      if (remote[runner.name]) stopWatching.push(connectReplicas(runner, remote[runner.name]!, telemetry.logger))
  } else service.telemetry = telemetry
  return listenAndDrain(
    service.fetch,
    options,
    telemetry.logger,
    () => service.httpMetrics.inProgress,
    async () => {
      for (const stop of stopWatching) stop()
      await service.shutdown()
    },
  )
}

/**
 * Serves one runner of a service over HTTP for API servers elsewhere (`tiffin serve … --runner NAME`),
 * started with the service's config layers for it.
 */
export async function serveRunner(service: Service, name: string, options: ServeOptions = {}): Promise<RunningServer> {
  const runner = service.runners.find((r) => r.name === name)
  if (!runner)
    throw new BadInput(
      `Service "${service.name}" has no runner "${name}"; it has ${service.runners.map((r) => r.name).join(', ') || 'none'}`,
    )
  const { telemetry, stop: stopSampling } = await nodeTelemetry(service.name, options)
  if (options.init !== false)
    await service.init({ platform: nodePlatform, store: options.store ?? fileStore(), telemetry }, { only: name })
  const { app, http } = runnerApp(runner, telemetry)
  return listenAndDrain(
    (request) => Promise.resolve(app.fetch(request)),
    options,
    telemetry.logger,
    () => http.inProgress,
    async () => {
      stopSampling()
      await runner.shutdown()
    },
  )
}

async function listenAndDrain(
  fetch: (request: Request) => Promise<Response>,
  options: ServeOptions,
  logger: Logger,
  inProgress: () => number,
  stop: () => Promise<void>,
): Promise<RunningServer> {
  const port = options.port ?? (Number(process.env.PORT) || DEFAULTS.server.port)
  const host = options.host ?? DEFAULTS.server.host
  const accessLog = options.accessLog ?? DEFAULTS.logging.access
  let stopping = false
  const answer = async (request: Request): Promise<Response> => {
    const started = performance.now()
    let response = await fetch(request)
    if (stopping) response = await stoppingAnswer(request, response)
    if (accessLog) logger.log(accessRecord(request, response, performance.now() - started))
    return response
  }
  const server = await new Promise<Server>((resolve, reject) => {
    const s = listen({ fetch: answer, port, hostname: host }, () => resolve(s as Server)) as Server
    s.once('error', reject)
  }).catch(async (error: unknown) => {
    await stop() // the runners already started would keep the process alive
    throw error
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const drain = async (drainMs: number): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const deadline = Date.now() + drainMs
    while (inProgress() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    server.closeAllConnections()
    await closed
    await stop()
  }
  let closing: Promise<void> | undefined
  let shuttingDown: Promise<void> | undefined
  let endDelay = (): void => undefined
  const close = (): Promise<void> => {
    stopping = true
    endDelay()
    return (closing ??= drain(options.drainMs ?? DEFAULTS.server.drainMs))
  }
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      endDelay = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    close,
    shutdown: () =>
      (shuttingDown ??= (async () => {
        stopping = true
        await delay(options.shutdownDelayMs ?? DEFAULTS.server.shutdownDelayMs)
        await close()
      })()),
  }
}

/** An answer while the server stops: `/readyz` says 503 `stopping`, and no answer keeps its connection. */
async function stoppingAnswer(request: Request, response: Response): Promise<Response> {
  if (request.method === 'GET' && new URL(request.url).pathname === '/readyz') {
    const body = { ...((await response.json()) as Record<string, unknown>), status: 'stopping' }
    const headers = new Headers(response.headers)
    headers.set('connection', 'close')
    headers.delete('content-length')
    return Response.json(body, { status: 503, headers })
  }
  const answer = new Response(response.body, response)
  answer.headers.set('connection', 'close')
  return answer
}
