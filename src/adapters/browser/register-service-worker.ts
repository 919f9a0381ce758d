import { DEFAULTS } from '../../defaults.js'
import { Unsupported } from '../../errors.js'
import { skipWaitingMessage } from '../web/messages.js'

/** How often a version that waits is asked again to skip waiting while requests are held back for it. */
const SKIP_WAITING_ASK_MS = 100

/** The app's local API: its Service Worker's registration, and a `fetch` that keeps working through updates. */
export interface LocalApi {
  readonly registration: ServiceWorkerRegistration
  /**
   * `fetch`, held back for a moment while a new version of the Service Worker takes over. A browser switches
   * versions only once the old one has no request in flight, so under an unbroken stream of requests an
   * update would wait for minutes; holding new requests back lets the old version finish its own, and they
   * then go to the new one. No request is lost or failed.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /** Stops helping updates take over. */
  close(): void
}

/**
 * Registers the app's module Service Worker (the one the Vite plugin builds from its `serviceWorker`
 * option), resolves once it controls this page, so `fetch('/api/…')` reaches it from the first load, and
 * from then on helps each new version take over (see `LocalApi.fetch`).
 */
export async function registerServiceWorker(
  url: string | URL = '/sw.js',
  options: { readonly scope?: string; readonly updateViaCache?: ServiceWorkerUpdateViaCache } = {},
): Promise<LocalApi> {
  const container = globalThis.navigator?.serviceWorker
  if (!container)
    throw new Unsupported('This page cannot use a Service Worker: serve it over https, or from localhost or 127.0.0.1')
  const controlled = container.controller
    ? Promise.resolve()
    : new Promise((resolve) => container.addEventListener('controllerchange', resolve, { once: true }))
  let registration: ServiceWorkerRegistration
  try {
    registration = await container.register(url, { type: 'module', ...options })
  } catch (error) {
    throw new Unsupported(
      `The Service Worker ${String(url)} could not be registered (${(error as Error).message}); in a Vite app, build it with the tiffin-serve Vite plugin: tiffin({ serviceWorker: 'src/sw.ts' })`,
      { cause: error },
    )
  }
  await controlled

  let gate: Promise<void> | undefined
  /** When a version still waiting after a try may be helped again: requests flow freely in between. */
  let tryAgainAt = Infinity
  const takeOver = (worker: ServiceWorker): void => {
    if (gate || !container.controller) return
    let open!: () => void
    gate = new Promise((resolve) => (open = resolve))
    const finish = (tookOver: boolean): void => {
      clearTimeout(timer)
      clearInterval(asking)
      container.removeEventListener('controllerchange', onChange)
      tryAgainAt = tookOver ? Infinity : performance.now() + DEFAULTS.serviceWorkerTakeoverMs
      gate = undefined
      open()
    }
    const onChange = (): void => finish(true)
    // The old version may not finish its requests in time (a slow run): they go on, and the next try comes later.
    const timer = setTimeout(() => finish(false), DEFAULTS.serviceWorkerTakeoverMs)
    container.addEventListener('controllerchange', onChange)
    // Chromium checks whether the old version is idle when asked to skip waiting, and then only when the old
    // version next reports idle, which, with no requests reaching it while they are held, may never come:
    // asking again while the requests are held lets it see the old version finish its last one.
    const ask = (): void => worker.postMessage(skipWaitingMessage)
    const asking = setInterval(ask, SKIP_WAITING_ASK_MS)
    ask()
  }
  const watch = (worker: ServiceWorker | null): void => {
    if (!worker) return
    if (worker.state === 'installed') return takeOver(worker)
    worker.addEventListener('statechange', () => worker.state === 'installed' && takeOver(worker))
  }
  const onUpdate = (): void => watch(registration.installing)
  registration.addEventListener('updatefound', onUpdate)
  watch(registration.waiting)
  return {
    registration,
    async fetch(input, init) {
      if (!gate && registration.waiting && performance.now() >= tryAgainAt) takeOver(registration.waiting)
      while (gate) await gate
      return fetch(input, init)
    },
    close: () => registration.removeEventListener('updatefound', onUpdate),
  }
}
