// A service in a worker of the page, driven by serve-in-worker.spec.ts.
import { serveInWorker, type ServiceInWorker } from '../../../src/adapters/browser/serve-in-worker.js'

const WORKERS = {
  nested: () => new Worker(new URL('./serve-in-worker.worker.ts', import.meta.url), { type: 'module' }),
  flat: () => new Worker(new URL('./serve-in-worker-flat.worker.ts', import.meta.url), { type: 'module' }),
  broken: () => new Worker(new URL('./serve-in-worker-broken.worker.ts', import.meta.url), { type: 'module' }),
  missing: () => new Worker('/no-such-worker.js', { type: 'module' }),
}
const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})
const failure = (error: unknown) => ({ name: (error as Error).name, message: (error as Error).message })

let app: ServiceInWorker | undefined

const api = {
  async start(kind: keyof typeof WORKERS) {
    try {
      app = await serveInWorker(WORKERS[kind]())
      return { runners: app.runners }
    } catch (error) {
      return { error: failure(error) }
    }
  },
  /** `n` calls at once, each its own rows, with the long tasks the page had meanwhile. */
  async burst(n: number) {
    const longTasks: number[] = []
    const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)))
    observer.observe({ type: 'longtask' })
    const answers = await Promise.all(
      Array.from({ length: n }, async (_, i) => (await app!.fetch('/double', json([i, -i / 2]))).json()),
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    observer.disconnect()
    return { answers, longTasks }
  },
  /** The same body sent every way `fetch` takes one. */
  async bodies() {
    const text = 'héllo, worker'
    const init = (body: BodyInit): RequestInit => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body })
    const form = new FormData()
    form.append('file', new Blob([text], { type: 'text/plain' }), 'hello.txt')
    const sent = {
      string: app!.fetch('/echo', init(text)),
      blob: app!.fetch('/echo', init(new Blob([text], { type: 'text/plain' }))),
      arrayBuffer: app!.fetch('/echo', init(new TextEncoder().encode(text).buffer)),
      typedArray: app!.fetch('/echo', init(new TextEncoder().encode(text))),
      request: app!.fetch(new Request(new URL('/echo', location.href), init(text))),
      formData: app!.fetch('/echo', { method: 'POST', body: form }),
    }
    const got: Record<string, unknown> = {}
    for (const [how, response] of Object.entries(sent)) got[how] = await (await response).json()
    return got
  },
  async whoami() {
    return (await app!.fetch('/whoami', json(null))).json()
  },
  async status(path: string, init?: RequestInit) {
    const response = await app!.fetch(path, init)
    return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() }
  },
  /** A slow call aborted after 200 ms: how long until it rejected, and how. */
  async abort() {
    const controller = new AbortController()
    const started = performance.now()
    setTimeout(() => controller.abort(), 200)
    try {
      await app!.fetch('/slow', { ...json([1]), signal: controller.signal })
      return { settled: 'answered' }
    } catch (error) {
      return { settled: 'rejected', ...failure(error), ms: performance.now() - started }
    }
  },
  async close() {
    await app!.close()
    try {
      await app!.fetch('/double', json([1]))
      return { afterClose: 'answered' }
    } catch (error) {
      return { afterClose: failure(error) }
    }
  },
}

declare global {
  interface Window {
    inWorker: typeof api
  }
}
window.inWorker = api
