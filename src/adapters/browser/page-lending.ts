import { expose } from 'comlink'
import type { WorkerHost } from '../../runner/host.js'
import { liveCounts } from '../../runner/live-counts.js'
import { workerApi } from '../../runner/worker-api.js'
import type { Service, ServiceEnvironment } from '../../service/service.js'
import { closingMessage, lendMessage } from '../web/messages.js'

/**
 * Starts a service's runners on this page's Web Workers and lends them to the Service Worker that
 * controls the page, which cannot start workers itself. Lends again to each new Service Worker (an
 * update), and tells the Service Worker when the page goes away, so it sends work elsewhere.
 * Returns a function that stops lending.
 */
export async function lendRunners(service: Service, environment: ServiceEnvironment): Promise<() => void> {
  await service.init(environment)
  const serviceWorker = navigator.serviceWorker
  let ports: MessagePort[] = []
  const goodbye = (why: string): void => {
    for (const port of ports) {
      port.postMessage(closingMessage(why))
      port.close()
    }
    ports = []
  }
  const lend = (): void => {
    goodbye('the page lent its workers to a newer Service Worker')
    const controller = serviceWorker.controller
    if (!controller) return
    for (const runner of service.runners) {
      const channel = new MessageChannel()
      const host: WorkerHost = {
        setup: async () => ({ methods: Object.keys(runner.methods), notes: runner.notes }),
        call: (method, input) => runner.methods[method]!.run(input as never),
        counts: async () => liveCounts(),
        // The runner stays the page's: a Service Worker letting it go does not stop it.
        teardown: async () => undefined,
      }
      expose(workerApi(host), channel.port1)
      ports.push(channel.port1)
      controller.postMessage(lendMessage(runner.name), [channel.port2])
    }
  }
  const onPageHide = (): void => goodbye('the page closed')
  // A page restored from the back/forward cache comes back without its lending: lend again.
  const onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted) lend()
  }
  lend()
  serviceWorker.addEventListener('controllerchange', lend)
  addEventListener('pagehide', onPageHide)
  addEventListener('pageshow', onPageShow)
  return () => {
    serviceWorker.removeEventListener('controllerchange', lend)
    removeEventListener('pagehide', onPageHide)
    removeEventListener('pageshow', onPageShow)
    goodbye('the page stopped lending')
  }
}
