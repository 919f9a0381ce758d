import { Unsupported } from '../../errors.js'

/**
 * Registers the app's module Service Worker (the one the Vite plugin builds from its `serviceWorker`
 * option) and resolves once it controls this page, so `fetch('/api/…')` reaches it from the first load.
 */
export async function registerServiceWorker(
  url: string | URL = '/sw.js',
  options: { readonly scope?: string } = {},
): Promise<ServiceWorkerRegistration> {
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
  return registration
}
