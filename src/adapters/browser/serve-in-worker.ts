// A service whose handlers run in a dedicated Web Worker of the page, its runners in workers of their own:
// the page keeps only what it must (building requests, reading answers), and never blocks on the models'
// work, their decoding or their JSON. `serveInWorker` is the page's side, `serveFromWorker` the worker's.
import { expose, releaseProxy, transfer, wrap, type Remote } from 'comlink'
import { NotStarted } from '../../errors.js'
import type { Service, ServiceEnvironment } from '../../service/service.js'
import { lendToServiceWorker, portLender } from './page-lending.js'
import type { RunnerPlatform } from '../../runner/platform.js'
import { webPlatform } from '../web/platform.js'
import { browserPlatform, browserServices } from './platform.js'
import { requestSender, serveRequests } from './request-channel.js'
import { requestToWire, responseFromWire } from './request-wire.js'

/** What the worker exposes to its page; requests go on a port of their own (request-channel.ts). */
interface ServiceThreadApi {
  started(): Promise<{ readonly runners: readonly string[] } | { readonly error: string }>
  serve(port: MessagePort): void
  lend(runner: string, port: MessagePort): void
  goodbye(why: string): void
  shutdown(): Promise<void>
}

/** The page's handle on a service served in a worker: the same `fetch` as `service.fetch`, off the page's thread. */
export interface ServiceInWorker {
  /**
   * Answers one request in the worker, as `service.fetch` does in the page; takes what `fetch` takes (a
   * URL and init with a string, Blob or ArrayBuffer body costs the page least).
   */
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>
  /** The service's runners, by name. */
  readonly runners: readonly string[]
  /** Lends the worker's runners to the Service Worker that controls the page; returns a function that stops. */
  lendToServiceWorker(): () => void
  /** Stops the service's runners and the worker. */
  close(): Promise<void>
}

/** Runners in a worker that cannot start workers of its own: in its thread (WASM on one thread, or WebGPU). */
const ownThreadPlatform: RunnerPlatform = webPlatform('a worker without nested workers', () => 1, browserServices)

/**
 * Serves `service` from this dedicated Web Worker, for a page that calls `serveInWorker` with it: starts its
 * runners (in workers of their own; in this worker's thread where the browser has no nested workers; or as
 * `environment` says) and answers the page's requests. Call it once, at the top of the worker's script.
 */
export function serveFromWorker(service: Service, environment: Partial<ServiceEnvironment> = {}): void {
  const starting =
    typeof Worker === 'function'
      ? service.init({ platform: browserPlatform, ...environment })
      : service.initLocal({ platform: ownThreadPlatform, ...environment })
  const started = starting.then(
    () => ({ runners: service.runners.map((r) => r.name) }),
    (error: unknown) => ({ error: (error as Error).message }),
  )
  const lender = portLender(service.runners)
  const api: ServiceThreadApi = {
    started: () => started,
    serve: (port) => serveRequests(port, (request) => service.fetch(request)),
    lend: (runner, port) => lender.connect(runner, port),
    goodbye: (why) => lender.goodbye(why),
    shutdown: () => service.shutdown(),
  }
  expose(api, globalThis as unknown as Worker)
}

/**
 * Starts `worker` (a module Web Worker whose script calls `serveFromWorker`) and resolves once its service
 * is up: `fetch` on the result then answers in the worker, with bodies moved, not copied. A worker whose
 * script fails to load or whose service fails to start rejects, saying why.
 */
export async function serveInWorker(worker: Worker): Promise<ServiceInWorker> {
  const remote: Remote<ServiceThreadApi> = wrap(worker)
  const channel = new MessageChannel()
  const requests = requestSender(channel.port1)
  // A script that fails to load or to start says so here; once up, an uncaught error in a handler is the
  // worker's console's, as it would be the page's.
  let failStart: (error: Error) => void = () => undefined
  const onError = (event: ErrorEvent): void => {
    event.preventDefault()
    worker.terminate()
    failStart(new NotStarted(`The service's worker failed (${event.message || 'its script failed to load'})`))
  }
  worker.addEventListener('error', onError)
  const started = await Promise.race([
    remote.started(),
    new Promise<never>((_, reject) => (failStart = reject)),
  ]).finally(() => worker.removeEventListener('error', onError))
  if ('error' in started) {
    worker.terminate()
    throw new NotStarted(`The service in the worker failed to start: ${started.error}`)
  }
  await remote.serve(transfer(channel.port2, [channel.port2]))
  let next = 0
  let closed = false
  return {
    runners: started.runners,
    async fetch(input, init) {
      if (closed) throw new NotStarted('The service in the worker was closed')
      const id = next++
      const signal = input instanceof Request ? input.signal : init?.signal
      signal?.throwIfAborted()
      const onAbort = (): void => requests.abort(id, signal!.reason)
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        return responseFromWire(await requests.send(await requestToWire(input, init, id)))
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
    },
    lendToServiceWorker: () =>
      lendToServiceWorker(started.runners, {
        // The port's other end goes to the worker, which serves the runner on it.
        connect: (runner, port) => void remote.lend(runner, transfer(port, [port])),
        goodbye: (why) => void remote.goodbye(why),
      }),
    async close() {
      if (closed) return
      closed = true
      await remote.shutdown().catch(() => undefined)
      requests.failAll(new NotStarted('The service in the worker was closed'))
      remote[releaseProxy]()
      channel.port1.close()
      worker.terminate()
    },
  }
}
