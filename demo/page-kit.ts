// What both demo pages do alike: find elements, call a service in the place the user picked, read JSON
// answers (or say what came back instead), and show a status line.
import { registerServiceWorker, type LocalApi } from '../src/browser.js'

export type Place = 'page' | 'sw' | 'node'
export type Places = Readonly<Record<Place, { readonly label: string; readonly base: string }>>

export const $ = <T extends Element = HTMLElement>(selector: string): T => document.querySelector<T>(selector)!

/** The Service Worker's fetch (held back while a new version takes over), once it is registered. */
let local: LocalApi | undefined

/** One call to the service in the chosen place: over HTTP (to the Service Worker or Node), or in this page. */
export function callIn(
  service: { fetch(input: Request | string, init?: RequestInit): Promise<Response> },
  places: Places,
  where: Place,
  path: string,
  init?: RequestInit,
): Promise<Response> {
  if (where === 'page') return service.fetch(new URL(path, location.origin).href, init)
  if (where === 'sw' && local) return local.fetch(places[where].base + path, init)
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

/**
 * Registers /sw.ts (tiffin's helper waits until it controls this page, and helps later versions take over),
 * then keeps the status line true to what the Service Worker's runners are doing, from its `/readyz`.
 */
export async function startServiceWorker(prefix: string): Promise<LocalApi> {
  const registered = await registerServiceWorker('/sw.ts', { scope: '/', updateViaCache: 'none' })
  local = registered
  await registered.registration.update().catch(() => undefined)
  await showServiceWorker(prefix)
  setInterval(() => void showServiceWorker(prefix), 2000)
  return registered
}

/** "serving /api", or which runner waits for which model, or which failed: as the Service Worker says. */
async function showServiceWorker(prefix: string): Promise<void> {
  try {
    const response = await local!.fetch(`${prefix}/readyz`)
    const body = (await response.json()) as { runners: Record<string, string>; waiting?: Record<string, string> }
    const waiting = Object.entries(body.waiting ?? {}).map(([runner, model]) => `${runner} waits for model ${model}`)
    const down = Object.entries(body.runners).filter(([runner, state]) => state !== 'ready' && !body.waiting?.[runner])
    if (response.ok) setStatus('sw', 'ok', `Service Worker: serving ${prefix}`)
    else if (down.length > 0)
      setStatus('sw', 'error', `Service Worker: ${down.map(([r, state]) => `${r} ${state}`).join(', ')}`)
    else setStatus('sw', 'starting', `Service Worker: ${prefix} not ready: ${waiting.join(', ') || 'starting'}`)
  } catch (error) {
    setStatus('sw', 'error', `Service Worker: ${prefix} does not answer (${(error as Error).message})`)
  }
}
