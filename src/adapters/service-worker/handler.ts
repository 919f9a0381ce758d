import type { Endpoint } from 'comlink'
import { DEFAULTS } from '../../defaults.js'
import { exitSignal, type WorkerConnection } from '../../runner/platform.js'
import { WorkerExecutor } from '../../runner/worker-executor.js'
import type { Service, ServiceEnvironment } from '../../service/service.js'
import { IndexedDBBackend, watchSaves } from '../../store/idb.js'
import type { ModelStore } from '../../store/model-store.js'
import { consoleLogger, type Logger } from '../../telemetry/logger.js'
import type { Telemetry } from '../../telemetry/telemetry.js'
import { asksToSkipWaiting, closingReason, lendAgainMessage, lentRunner } from '../web/messages.js'
import type { BrowserOnnxOptions } from '../web/onnx-runtime.js'
import { serviceWorkerPlatform } from './platform.js'

/** The parts of the Service Worker global scope this adapter uses. */
interface ServiceWorkerScope {
  readonly location: { readonly origin: string }
  readonly clients: {
    claim(): Promise<void>
    get(id: string): Promise<unknown>
    matchAll(options: { type: 'window' }): Promise<readonly { postMessage(message: unknown): void }[]>
  }
  skipWaiting(): Promise<void>
  addEventListener(
    type: 'install' | 'activate',
    listener: (event: { waitUntil(p: Promise<unknown>): void }) => void,
  ): void
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void
  addEventListener(
    type: 'message',
    listener: (event: { data: unknown; ports: readonly MessagePort[]; source: { id?: string } | null }) => void,
  ): void
}
interface FetchEventLike {
  readonly request: Request
  respondWith(response: Promise<Response>): void
}

export interface ServiceWorkerOptions {
  /** The path the service answers under (`/api`); every other request goes to the network as usual. */
  readonly prefix: string
  /**
   * `embedded`: runners run in the Service Worker; `delegated`: only on workers pages lend; `both` (default):
   * on workers pages lend, and in the Service Worker's own thread only once a call has found none lent for
   * `ownCopyAfterMs`.
   */
  readonly runners?: 'embedded' | 'delegated' | 'both'
  /** How long a call waits for a page to lend before the Service Worker starts its own copy (default 1 s). */
  readonly ownCopyAfterMs?: number
  /** The Web Lock of the pages' leader (`serveShared`'s `lock`; default `tiffin:<prefix>`): while it is held, calls wait longer for a lender. */
  readonly leaderLock?: string
  readonly store?: ModelStore
  /** Where the ONNX Runtime WebAssembly file is (a Service Worker must say). */
  readonly onnx?: BrowserOnnxOptions
  /** How often to check that a page lending workers is still open (default 1 s). */
  readonly pageCheckMs?: number
  /**
   * Its logger and tracing (default: the console, no traces). To trace, pass the OpenTelemetry API of a
   * Service Worker that registered a tracer provider: `{ logger, tracing: openTelemetryTracing(otel) }`.
   */
  readonly telemetry?: Telemetry
}

/**
 * Serves a service from a Service Worker: requests under `prefix` are answered by the service, all
 * others pass through untouched. Call it once, at the top level of the Service Worker script.
 */
export function serveFromServiceWorker(service: Service, options: ServiceWorkerOptions): { ready: Promise<void> } {
  const scope = globalThis as unknown as ServiceWorkerScope
  const prefix = options.prefix.replace(/\/+$/, '')
  const platform = serviceWorkerPlatform(options.onnx)
  const telemetry = options.telemetry ?? { logger: consoleLogger }
  const { logger } = telemetry
  const store = options.store ?? platform.defaultStore()
  const environment = { platform, store, telemetry }
  const both = (options.runners ?? 'both') === 'both'
  const ready =
    options.runners === 'embedded'
      ? service.initLocal(environment)
      : service.initDelegated(environment, { ownModels: both })
  ready.catch((error: unknown) =>
    logger.log({
      level: 'error',
      event: 'service.failed',
      message: `Service "${service.name}" failed to start in the Service Worker`,
      fields: { service: service.name },
      error,
    }),
  )
  const ownCopy = both
    ? ownCopyWhenNoneLends(
        service,
        environment,
        options.ownCopyAfterMs ?? DEFAULTS.serviceWorkerOwnCopyAfterMs,
        options.leaderLock ?? `tiffin:${prefix}`,
        logger,
      )
    : () => undefined
  // A Service Worker that starts (an update, or again after idling) has no lent workers: pages lend again.
  void scope.clients.matchAll({ type: 'window' }).then((pages) => pages.forEach((p) => p.postMessage(lendAgainMessage)))
  // A runner waiting for a model starts as soon as a page saves it; a call would also try again.
  if (store.backend instanceof IndexedDBBackend)
    watchSaves(
      store.backend.database,
      () =>
        void ready.then(
          () => service.retryWaiting(),
          () => undefined,
        ),
    )

  scope.addEventListener('install', (event) => event.waitUntil(scope.skipWaiting()))
  scope.addEventListener('activate', (event) => event.waitUntil(scope.clients.claim()))
  scope.addEventListener('fetch', (event) => {
    const url = new URL(event.request.url)
    if (url.origin !== scope.location.origin || !(url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)))
      return
    ownCopy()
    event.respondWith(answer(service, ready, event.request, prefix))
  })
  scope.addEventListener('message', (event) => {
    if (asksToSkipWaiting(event.data)) return void scope.skipWaiting()
    const runnerName = lentRunner(event.data)
    const port = event.ports[0]
    // Not ours to take (another service in this Service Worker may have that runner): leave it be.
    const runner = service.runners.find((r) => r.name === runnerName)
    if (typeof runnerName !== 'string' || !port || !runner || options.runners === 'embedded') return
    const clientId = event.source?.id
    const page = `page ${clientId ?? '?'}`
    const fields = { runner: runner.name, page: clientId }
    ready.then(
      () => {
        const executor = new WorkerExecutor(
          page,
          runner.name,
          pageConnection(port, scope, clientId, options.pageCheckMs ?? DEFAULTS.pageCheckMs),
          { retryOnLoss: true },
        )
        runner.lend(executor)
        logger.log({
          level: 'info',
          event: 'page.lent',
          message: `Runner "${runner.name}": ${page} lent its workers; calls go to them`,
          fields,
        })
        executor.onDeath((cause) =>
          logger.log({
            level: 'info',
            event: 'page.left',
            message: `Runner "${runner.name}": ${page} ${cause.message}; its batches run again elsewhere`,
            fields: { ...fields, cause: cause.message },
          }),
        )
      },
      () => port.close(),
    )
  })
  return { ready }
}

/**
 * For `both`: a call that finds a runner with nothing to run on (no page lends it workers) gives pages
 * `waitMs` to lend, longer while a page holds the leader's lock (it is starting its workers: see
 * `serveShared`), then starts the Service Worker's own copy of that runner, its models loaded here.
 */
function ownCopyWhenNoneLends(
  service: Service,
  environment: ServiceEnvironment,
  waitMs: number,
  leaderLock: string,
  logger: Logger,
): () => void {
  const started = new Set<string>()
  const leaderStarting = async (): Promise<boolean> =>
    ((await navigator.locks?.query())?.held ?? []).some((lock) => lock.name === leaderLock)
  const startOwnCopy = async (runner: Service['runners'][number], since: number): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, waitMs))
    if (runner.workers.live > 0) return void started.delete(runner.name)
    if ((await leaderStarting()) && performance.now() - since < DEFAULTS.serviceWorkerLeaderWaitMs)
      return startOwnCopy(runner, since)
    // A runner still waiting for its model looks again first.
    await runner.retry()
    if (runner.workers.live === 0) await runner.addLocal({ ...environment, config: service.runnerConfig(runner.name) })
  }
  return () => {
    for (const runner of service.runners) {
      if (started.has(runner.name) || runner.workers.live > 0) continue
      started.add(runner.name)
      startOwnCopy(runner, performance.now()).catch((error: unknown) => {
        started.delete(runner.name) // a later call tries again (a model saved since, say)
        logger.log({
          level: 'error',
          event: 'runner.failed',
          message: `Runner "${runner.name}" failed to start its own copy in the Service Worker; a later call tries again`,
          fields: { runner: runner.name },
          error,
        })
      })
    }
  }
}

async function answer(service: Service, ready: Promise<void>, request: Request, prefix: string): Promise<Response> {
  await ready.catch(() => undefined) // a runner that failed to start answers 503 through the service itself
  const url = new URL(request.url)
  url.pathname = url.pathname.slice(prefix.length) || '/'
  // Built afresh rather than `new Request(url, request)`, which browsers refuse for a page navigation.
  // The body stays a stream, so the service's body limit applies before anything is read into memory.
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body
  return service.fetch(
    new Request(url, {
      method: request.method,
      headers: request.headers,
      body,
      signal: request.signal,
      duplex: 'half',
    } as RequestInit),
  )
}

/**
 * A page's lent workers, seen from the Service Worker. A closed page sends no event over a MessagePort,
 * so the page says goodbye on `pagehide`, and the Service Worker also checks that the page still exists.
 */
function pageConnection(
  port: MessagePort,
  scope: ServiceWorkerScope,
  clientId: string | undefined,
  checkMs: number,
): WorkerConnection {
  const signal = exitSignal()
  let gone = false
  const exit = (cause: Error): void => {
    if (gone) return
    gone = true
    clearInterval(check)
    port.close()
    signal.exit(cause)
  }
  port.addEventListener('message', (event: MessageEvent) => {
    const closing = closingReason(event.data)
    if (closing) exit(new Error(`was closed (${closing})`))
  })
  const check = setInterval(() => {
    if (clientId)
      void scope.clients.get(clientId).then((client) => client || exit(new Error('is gone (its page closed)')))
  }, checkMs)
  return {
    endpoint: port as unknown as Endpoint,
    onExit: signal.onExit,
    async terminate() {
      exit(new Error('was let go'))
    },
  }
}
