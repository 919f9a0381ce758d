// Registers a Service Worker that serves the example service, and calls it, for service-worker.spec.ts.
import { browserPlatform } from '../../../src/adapters/browser/platform.js'
import { lendRunners } from '../../../src/adapters/browser/page-lending.js'
import { indexedDBStore } from '../../../src/store/idb.js'
import { linear, service } from '../../fixtures/services/example.js'
import { linearModel } from '../../fixtures/models.js'
import { runTable } from '../../shared/http-table.js'
import { predictOverHttp } from '../../shared/linear-load.js'
import { underLoad, type LoadReport } from '../../shared/load.js'

const API = '/test/browser/pages/api'
const model = linearModel()

/** The example service's model, in the default IndexedDB store where the Service Worker looks for it. */
async function saveModel(): Promise<void> {
  const store = indexedDBStore()
  if ((await store.list('linear')).length === 0)
    await store.save('linear', model.bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
}

async function register(script: 'sw-embedded.ts' | 'sw-embedded-v2.ts' | 'sw-delegated.ts'): Promise<string> {
  await saveModel()
  const registration = await navigator.serviceWorker.register(`/test/browser/pages/${script}`, {
    type: 'module',
    scope: '/test/browser/pages/',
  })
  if (!navigator.serviceWorker.controller?.scriptURL.endsWith(script)) {
    await new Promise<void>((resolve) =>
      navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
    )
  }
  return (registration.active ?? registration.waiting ?? registration.installing)!.scriptURL
}

/** Sends `count` predictions at once, each of its own rows (seeds `first`, `first + 1`…), each checked. */
const predictMany = (count: number, first = 1000): Promise<LoadReport> =>
  underLoad(count, count, (i, signal) => predictOverHttp(API, first + i, signal), 60_000)

const api = {
  register,
  /** The shared table of requests, good and bad, sent through the Service Worker. */
  runTable: () => runTable((request) => fetch(request), `${location.origin}${API}`),
  predictMany,
  async lend(): Promise<void> {
    await lendRunners(service, { platform: browserPlatform, store: indexedDBStore() })
  },
  /** Items this page's workers ran for the Service Worker. */
  handled: () => linear.metrics()[0]?.items ?? 0,
  async controller(): Promise<string | undefined> {
    return navigator.serviceWorker.controller?.scriptURL
  },
}

declare global {
  interface Window {
    swTest: typeof api
  }
}
window.swTest = api
