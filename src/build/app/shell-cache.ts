// The built page's own files, cached by the Service Worker at install so the page opens with the host gone.
import type { AppShell } from './options.js'

interface ExtendableEvent {
  waitUntil(promise: Promise<unknown>): void
}
interface FetchEvent {
  readonly request: Request
  respondWith(response: Promise<Response>): void
}
interface Scope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
}

const PREFIX = 'tiffin-app-'

export function cacheAppShell(shell: AppShell, scope: URL): void {
  const self = globalThis as unknown as Scope
  const name = `${PREFIX}${shell.version}`
  const urls = new Set(['', ...shell.files].map((path) => new URL(path, scope).href))
  const immutable = new URL('assets/', scope).href

  self.addEventListener('install', (event) => {
    // Best effort: a page that cannot be cached still gets its API answered.
    const filling = caches.open(name).then((cache) => cache.addAll([...urls]))
    event.waitUntil(
      filling.catch((error: unknown) => console.warn('tiffin: the page could not be cached for offline use', error)),
    )
  })
  self.addEventListener('activate', (event) => {
    event.waitUntil(
      caches
        .keys()
        .then((keys) =>
          Promise.all(keys.filter((key) => key.startsWith(PREFIX) && key !== name).map((key) => caches.delete(key))),
        ),
    )
  })
  self.addEventListener('fetch', (event) => {
    const url = event.request.url.split(/[?#]/)[0]!
    if (event.request.method !== 'GET' || !urls.has(url)) return
    // Hashed assets never change: the cache first. The rest (index.html, bento.json): the network first.
    event.respondWith(url.startsWith(immutable) ? fromCache(name, event.request) : fromNetwork(name, event.request))
  })
}

async function fromCache(name: string, request: Request): Promise<Response> {
  return (await caches.match(request, { cacheName: name, ignoreSearch: true })) ?? fetch(request)
}

async function fromNetwork(name: string, request: Request): Promise<Response> {
  try {
    return await fetch(request)
  } catch (error) {
    const cached = await caches.match(request, { cacheName: name, ignoreSearch: true })
    if (cached) return cached
    throw error
  }
}
