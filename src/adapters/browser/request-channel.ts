// Requests from a page to the service in its worker, on a port of their own. Everything one task sends
// goes as one message when the task's microtasks are done: a burst of 200 calls costs a few messages each
// way, not 400 thread wake-ups.
import { requestFromWire, responseToWire, type WireRequest, type WireResponse, type Wired } from './request-wire.js'

interface ToWorker {
  readonly requests: readonly WireRequest[]
  readonly aborts: readonly number[]
}
type Answer = { readonly id: number; readonly response: WireResponse } | { readonly id: number; readonly error: string }

/** Gathers what a task posts on `port` into one message, `wrap` of the items. */
function outbox<T>(port: MessagePort, wrap: (items: T[]) => unknown): (item: T, transfer: Transferable[]) => void {
  let items: T[] = []
  let transfers: Transferable[] = []
  return (item, transfer) => {
    if (items.length === 0)
      queueMicrotask(() => {
        port.postMessage(wrap(items), transfers)
        items = []
        transfers = []
      })
    items.push(item)
    transfers.push(...transfer)
  }
}

/** The page's end: sends requests, and settles each call with its answer or the channel's failure. */
export function requestSender(port: MessagePort) {
  const waiting = new Map<number, { resolve(wire: WireResponse): void; reject(error: Error): void }>()
  const post = outbox<WireRequest>(port, (requests): ToWorker => ({ requests, aborts: [] }))
  port.onmessage = ({ data }: MessageEvent<readonly Answer[]>) => {
    for (const answer of data) {
      const call = waiting.get(answer.id)
      waiting.delete(answer.id)
      if ('error' in answer) call?.reject(new TypeError(answer.error))
      else call?.resolve(answer.response)
    }
  }
  return {
    send: ({ value, transfer }: Wired<WireRequest>): Promise<WireResponse> =>
      new Promise((resolve, reject) => {
        waiting.set(value.id, { resolve, reject })
        post(value, transfer)
      }),
    /** Fails the call at once with `reason`, and tells the worker (after the request, if both are queued). */
    abort(id: number, reason: unknown): void {
      const call = waiting.get(id)
      if (!call) return
      waiting.delete(id)
      call.reject(reason as Error)
      queueMicrotask(() => port.postMessage({ requests: [], aborts: [id] } satisfies ToWorker))
    },
    /** Fails every call still waiting (the worker died). */
    failAll(error: Error): void {
      for (const call of waiting.values()) call.reject(error)
      waiting.clear()
    },
  }
}

/** The worker's end: answers each request with `handle`, answers of one task in one message. */
export function serveRequests(port: MessagePort, handle: (request: Request) => Promise<Response>): void {
  const inFlight = new Map<number, AbortController>()
  const post = outbox<Answer>(port, (answers) => answers)
  const answer = async (wire: WireRequest): Promise<void> => {
    const controller = new AbortController()
    inFlight.set(wire.id, controller)
    try {
      const response = await responseToWire(await handle(requestFromWire(wire, controller.signal)))
      post({ id: wire.id, response: response.value }, response.transfer)
    } catch (error) {
      post({ id: wire.id, error: (error as Error).message }, [])
    } finally {
      inFlight.delete(wire.id)
    }
  }
  port.onmessage = ({ data }: MessageEvent<ToWorker>) => {
    for (const id of data.aborts)
      inFlight.get(id)?.abort(new DOMException('The page aborted the request', 'AbortError'))
    for (const wire of data.requests) void answer(wire)
  }
}
