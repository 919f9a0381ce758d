// What both demo pages do alike: find elements, call a service in the place the user picked, read JSON
// answers (or say what came back instead), and show a status line.
import type { Service } from '../src/index.js'

export type Place = 'page' | 'sw' | 'node'
export type Places = Readonly<Record<Place, { readonly label: string; readonly base: string }>>

export const $ = <T extends Element = HTMLElement>(selector: string): T => document.querySelector<T>(selector)!

/** One call to the service in the chosen place: over HTTP (to the Service Worker or Node), or in this page. */
export function callIn(
  service: Service,
  places: Places,
  where: Place,
  path: string,
  init?: RequestInit,
): Promise<Response> {
  if (where === 'page') return service.fetch(new Request(new URL(path, location.origin), init))
  return fetch(places[where].base + path, init)
}

/** A JSON answer, or an error that says what came back instead (tiffin's errors are `{ error, message }`). */
export async function json<T>(response: Promise<Response>): Promise<T> {
  const r = await response
  const text = await r.text()
  const body = r.headers.get('content-type')?.includes('json')
    ? (JSON.parse(text) as T & { message?: string })
    : undefined
  if (!r.ok || body === undefined)
    throw new Error(`${r.status}${r.statusText ? ` ${r.statusText}` : ''}: ${body?.message ?? text.slice(0, 200)}`)
  return body
}

export function setStatus(id: string, state: 'starting' | 'ok' | 'error', text: string): void {
  const item = $(`#status-${id}`)
  item.dataset.state = state
  item.querySelector('.text')!.textContent = text
}

/** Registers /sw.ts and waits until it controls this page (it claims pages as it activates). */
export async function startServiceWorker(prefix: string): Promise<void> {
  const registration = await navigator.serviceWorker.register('/sw.ts', {
    type: 'module',
    scope: '/',
    updateViaCache: 'none',
  })
  if (!navigator.serviceWorker.controller) {
    const claimed = new Promise<void>((resolve) =>
      navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
    )
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('it does not control this page (after a hard reload?): reload')), 10_000),
    )
    await Promise.race([claimed, timeout])
  }
  await registration.update().catch(() => undefined)
  setStatus('sw', 'ok', `Service Worker: serving ${prefix}`)
}
