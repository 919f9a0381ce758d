// The Service Worker's life with a page: runners that wait for their model and start once a page saves it,
// and an update that takes over under a steady stream of requests. For service-worker-lifecycle.spec.ts.
import { registerServiceWorker, type LocalApi } from '../../../src/adapters/browser/register-service-worker.js'
import { indexedDBStore } from '../../../src/store/idb.js'
import { linearModel } from '../../fixtures/models.js'
import { predictOverHttp } from '../../shared/linear-load.js'
import type { Outcome } from '../../shared/load.js'

const API = '/test/browser/pages/api'
let local: LocalApi | undefined

const json = async (response: Promise<Response>) => {
  const r = await response
  return {
    status: r.status,
    retryAfter: r.headers.get('retry-after'),
    body: (await r.json()) as Record<string, unknown>,
  }
}

const api = {
  /** Registers the embedded Service Worker with tiffin's helper, without saving its model first. */
  async register(script: string): Promise<string | undefined> {
    local = await registerServiceWorker(`/test/browser/pages/${script}`, { scope: '/test/browser/pages/' })
    return navigator.serviceWorker.controller?.scriptURL
  },
  readyz: () => json(fetch(`${API}/readyz`)),
  predict: () =>
    json(
      fetch(`${API}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[[1, 2, 3, 4]]',
      }),
    ),
  async saveModel(): Promise<number> {
    await indexedDBStore().save('linear', linearModel().bytes, {
      signatures: { run: { batchable: true, batchDim: 0 } },
    })
    return performance.now()
  },
  /** Polls /readyz (which runs no runner, so tries no start) until it answers 200; the time it did, or undefined. */
  async readyAfter(ms: number): Promise<number | undefined> {
    const until = performance.now() + ms
    while (performance.now() < until) {
      if ((await fetch(`${API}/readyz`)).status === 200) return performance.now()
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    return undefined
  },
  /**
   * `perSecond` predictions a second for `seconds`, each of its own rows and checked, through the helper's
   * fetch; `updateAt` seconds in, a new version of the Service Worker is registered. Reports every answer,
   * when the new version took control, and how many requests came after it.
   */
  async steadyUpdate(perSecond: number, seconds: number, updateAt: number, script: string) {
    const send = local!.fetch
    const outcomes: Promise<Outcome>[] = []
    let controllerChangedAt: number | undefined
    let updateStartedAt: number | undefined
    navigator.serviceWorker.addEventListener('controllerchange', () => (controllerChangedAt ??= performance.now()))
    const started = performance.now()
    // The new version's states, for a report that says where a takeover stopped.
    const states: string[] = []
    const at = () => Math.round(performance.now() - started)
    local!.registration.addEventListener('updatefound', () => {
      const worker = local!.registration.installing
      states.push(`${worker?.state} at ${at()}`)
      worker?.addEventListener('statechange', () => states.push(`${worker.state} at ${at()}`))
    })
    // The stream goes on past `seconds` until 2 s after the new version took control (30 s at most), so a
    // slow install on a loaded machine is still tested under the stream.
    const goesOn = (i: number): boolean => {
      const now = performance.now()
      if (i < perSecond * seconds) return true
      return controllerChangedAt === undefined ? now - started < 30_000 : now - controllerChangedAt < 2000
    }
    for (let i = 0; goesOn(i); i++) {
      const due = started + (i * 1000) / perSecond
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
      if (updateStartedAt === undefined && performance.now() - started >= updateAt * 1000) {
        updateStartedAt = performance.now()
        void navigator.serviceWorker.register(`/test/browser/pages/${script}`, {
          type: 'module',
          scope: '/test/browser/pages/',
        })
      }
      outcomes.push(
        predictOverHttp(API, 5000 + i, AbortSignal.timeout(30_000), (input, init) => send(input, init)).catch(
          (e: unknown) => ({ problem: String(e) }),
        ),
      )
    }
    const settled = await Promise.all(outcomes)
    const streamEndedAt = performance.now()
    // With no request reaching it, the old version is idle: the new one takes over within moments.
    for (const until = streamEndedAt + 10_000; controllerChangedAt === undefined && performance.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 50))
    return {
      sent: settled.length,
      right: settled.filter((o) => 'right' in o).length,
      others: settled.filter((o) => !('right' in o)).slice(0, 5),
      takeoverMs:
        controllerChangedAt !== undefined && updateStartedAt !== undefined
          ? controllerChangedAt - updateStartedAt
          : undefined,
      duringStream: controllerChangedAt !== undefined && controllerChangedAt < streamEndedAt,
      controller: navigator.serviceWorker.controller?.scriptURL,
      states,
    }
  },
}

declare global {
  interface Window {
    swLifecycle: typeof api
  }
}
window.swLifecycle = api
