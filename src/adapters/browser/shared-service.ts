// One copy of a service's runners per origin. The pages of an origin elect a leader with a Web Lock, which
// the browser hands to the next page in line the moment its holder closes or crashes; only the leader starts
// the service's worker (and the runners' workers) and lends its runners to the Service Worker. Every other
// page sends its calls through the Service Worker's prefix, where they batch with every page's calls on the
// leader's runners.
import { NotStarted } from '../../errors.js'
import type { LocalApi } from './register-service-worker.js'
import { serveInWorker, type ServiceInWorker } from './serve-in-worker.js'

export interface SharedServiceOptions {
  /** Where the Service Worker answers the service (`/api`): pages that do not lead call it there. */
  readonly prefix: string
  /** The Service Worker's local API (`registerServiceWorker`), whose fetch holds calls back during an update. */
  readonly local: LocalApi
  /**
   * `false`: this page starts the service for itself and lends it, shared with no one (default `true`; a page
   * without Web Locks, outside a secure context, does so too).
   */
  readonly share?: boolean
  /** The Web Lock the pages elect a leader with: one leader per name and origin (default `tiffin:<prefix>`). */
  readonly lock?: string
}

export type SharedRole = 'leader' | 'follower'

/** The page's handle on a service shared by the pages of its origin. */
export interface SharedService {
  /** Answers a request as `service.fetch` does: in this page's service worker when it leads, else through the Service Worker. */
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>
  /** `leader` once this page runs the runners; `follower` while another page does. */
  readonly role: SharedRole
  /** Resolves with this page's own service once it leads (at once for the first page; when the leader goes, for the next). */
  readonly leading: Promise<ServiceInWorker>
  /** Told when this page becomes the leader. */
  onRoleChange(listener: (role: SharedRole) => void): void
  /** Stops leading (the next page takes over) or waiting to lead. */
  close(): Promise<void>
}

/**
 * Serves a service once per origin: the first page to call this starts it (`serveInWorker(startWorker())`)
 * and lends its runners to the Service Worker; the others start nothing and call it through `prefix`, and
 * the next in line takes over when the leader closes, from the models already in the store. Resolves once
 * this page knows its role: a leader once its service is up.
 */
export async function serveShared(startWorker: () => Worker, options: SharedServiceOptions): Promise<SharedService> {
  const prefix = options.prefix.replace(/\/+$/, '')
  const listeners: ((role: SharedRole) => void)[] = []
  const stopWaiting = new AbortController()
  let role: SharedRole = 'follower'
  let leadership: Promise<void> | undefined
  let own: ServiceInWorker | undefined
  let release: () => void = () => undefined
  const released = new Promise<void>((resolve) => (release = resolve))
  let lead: (app: ServiceInWorker) => void = () => undefined
  let failLead: (error: unknown) => void = () => undefined
  const leading = new Promise<ServiceInWorker>((resolve, reject) => ((lead = resolve), (failLead = reject)))
  leading.catch(() => undefined) // a page that never leads need not wait on it

  /** While this page holds the lock: starts the service, lends its runners, and keeps them till `close`. */
  const leadUntilReleased = async (): Promise<void> => {
    try {
      own = await serveInWorker(startWorker())
    } catch (error) {
      return failLead(error) // the lock goes to the next page in line, which may fare better
    }
    const stopLending = own.lendToServiceWorker()
    role = 'leader'
    lead(own)
    for (const listener of listeners) listener(role)
    await released
    stopLending()
    await own.close()
  }

  // Without Web Locks (an insecure context), each page serves for itself, as with `share: false`.
  let leadsNow = options.share === false || !('locks' in navigator)
  if (leadsNow) leadership = leadUntilReleased()
  else {
    const name = options.lock ?? `tiffin:${prefix}`
    // Leads at once if no page does; else waits in line for the lock.
    leadsNow = await new Promise<boolean>((decide) => {
      void navigator.locks.request(name, { ifAvailable: true }, (lock) => {
        decide(lock !== null)
        return lock ? (leadership = leadUntilReleased()) : undefined
      })
    })
    if (!leadsNow)
      navigator.locks
        .request(name, { signal: stopWaiting.signal }, () => (leadership = leadUntilReleased()))
        .catch(() => undefined) // aborted by close()
  }
  if (leadsNow) await leading

  const throughServiceWorker = (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined
    const url = new URL(request ? request.url : (input as string | URL), location.href)
    url.pathname = prefix + url.pathname
    return options.local.fetch(request ? new Request(url, request) : url.href, init)
  }
  return {
    fetch: (input, init) => (own && role === 'leader' ? own.fetch(input, init) : throughServiceWorker(input, init)),
    get role() {
      return role
    },
    leading,
    onRoleChange: (listener) => void listeners.push(listener),
    async close() {
      stopWaiting.abort()
      release()
      failLead(new NotStarted('The shared service was closed before this page led it'))
      await leadership
    },
  }
}
