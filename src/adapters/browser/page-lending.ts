import { expose } from 'comlink'
import type { WorkerHost } from '../../runner/host.js'
import { liveCounts } from '../../runner/live-counts.js'
import type { Runner } from '../../runner/runner.js'
import { workerApi } from '../../runner/worker-api.js'
import type { Service, ServiceEnvironment } from '../../service/service.js'
import { asksToLendAgain, closingMessage, lendMessage } from '../web/messages.js'

/** Serves a runner on a port, as a worker would: the Service Worker that holds the other end calls it. */
function exposeRunner(runner: Runner, port: MessagePort): void {
  const host: WorkerHost = {
    setup: async () => ({ methods: Object.keys(runner.methods), notes: runner.notes }),
    call: (method, input) => runner.methods[method]!.run(input as never),
    counts: async () => liveCounts(),
    // The runner stays its owner's: a Service Worker letting it go does not stop it.
    teardown: async () => undefined,
  }
  expose(workerApi(host), port)
}

/** Where a lent runner is served: a port for each runner, and a goodbye to say on all of them. */
export interface Lender {
  connect(runner: string, port: MessagePort): void
  goodbye(why: string): void
}

/**
 * Lends runners to the Service Worker that controls this page, which cannot start workers itself: a port
 * per runner, served by `lender`. Lends again to each new Service Worker (an update), and says goodbye
 * when the page goes away, so the Service Worker sends work elsewhere. Returns a function that stops lending.
 */
export function lendToServiceWorker(runners: readonly string[], lender: Lender): () => void {
  const serviceWorker = navigator.serviceWorker
  const lend = (): void => {
    lender.goodbye('the page lent its workers to a newer Service Worker')
    const controller = serviceWorker.controller
    if (!controller) return
    for (const runner of runners) {
      const channel = new MessageChannel()
      lender.connect(runner, channel.port1)
      controller.postMessage(lendMessage(runner), [channel.port2])
    }
  }
  const onPageHide = (): void => lender.goodbye('the page closed')
  // A page restored from the back/forward cache comes back without its lending: lend again.
  const onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted) lend()
  }
  // A Service Worker started again after idling lost the ports it held: it asks, and the page lends anew.
  const onMessage = (event: MessageEvent): void => {
    if (asksToLendAgain(event.data)) lend()
  }
  lend()
  serviceWorker.addEventListener('controllerchange', lend)
  serviceWorker.addEventListener('message', onMessage)
  addEventListener('pagehide', onPageHide)
  addEventListener('pageshow', onPageShow)
  return () => {
    serviceWorker.removeEventListener('controllerchange', lend)
    serviceWorker.removeEventListener('message', onMessage)
    removeEventListener('pagehide', onPageHide)
    removeEventListener('pageshow', onPageShow)
    lender.goodbye('the page stopped lending')
  }
}

/** Serves runners on ports in this thread, and says goodbye on every port it lent. */
export function portLender(runners: readonly Runner[]): Lender {
  let ports: MessagePort[] = []
  return {
    connect(name, port) {
      exposeRunner(
        runners.find((r) => r.name === name)!,
        port,
      )
      ports.push(port)
    },
    goodbye(why) {
      for (const port of ports) {
        port.postMessage(closingMessage(why))
        port.close()
      }
      ports = []
    },
  }
}

/**
 * Starts a service's runners on this page's Web Workers and lends them to the Service Worker that
 * controls the page (see `lendToServiceWorker`). Returns a function that stops lending.
 */
export async function lendRunners(service: Service, environment: ServiceEnvironment): Promise<() => void> {
  await service.init(environment)
  return lendToServiceWorker(
    service.runners.map((r) => r.name),
    portLender(service.runners),
  )
}
