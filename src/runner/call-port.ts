// Calls to a worker over a port of their own: one plain message each way, an id with the method and
// input, or with the reply. Comlink carries the rest (setup, counts, teardown); on the path every call
// takes, its proxies and wire values cost about as much as the message itself.
import { errorFields } from '../errors.js'
import type { HeldAnswer } from './shared-channel.js'
import type { Reply } from './worker-api.js'

/** A call, or (with no method) a request for the answer the shared-memory channel held back. */
type CallRequest =
  | { readonly id: number; readonly method: string; readonly input: unknown }
  | { readonly id: number; readonly method?: undefined }

interface Answer {
  readonly id: number
  readonly reply: Reply<unknown>
}

/** The caller's end of a call port. */
export class PortCalls {
  private next = 0
  private readonly waiting = new Map<number, (reply: Reply<unknown>) => void>()

  constructor(private readonly port: MessagePort) {
    port.onmessage = (event: MessageEvent<Answer>) => this.settle(event.data)
  }

  /** Settles now the calls whose answers already wait on the port, taken by `receive` without a turn. */
  drain(receive: (port: MessagePort) => { readonly message: unknown } | undefined): void {
    for (let next = receive(this.port); next; next = receive(this.port)) this.settle(next.message as Answer)
  }

  /** Sends a call; with `transfer`, the input's buffers move to the worker (the caller must not use them). */
  call(method: string, input: unknown, transfer: boolean): Promise<Reply<unknown>> {
    return this.send({ id: this.next++, method, input }, transfer ? buffersOf(input) : [])
  }

  /** The answer the worker could not write into shared memory (see SharedCalls). */
  collect(): Promise<Reply<unknown>> {
    return this.send({ id: this.next++ }, [])
  }

  /** Stops listening (an open port keeps a Node process alive); calls still waiting are the executor's to fail. */
  close(): void {
    this.waiting.clear()
    this.port.onmessage = null
    this.port.close()
  }

  private settle({ id, reply }: Answer): void {
    const settle = this.waiting.get(id)
    this.waiting.delete(id)
    settle?.(reply)
  }

  private send(request: CallRequest, transfer: ArrayBuffer[]): Promise<Reply<unknown>> {
    return new Promise((resolve) => {
      this.port.postMessage(request, transfer)
      this.waiting.set(request.id, resolve)
    })
  }
}

/** What the worker's end answers with. */
export interface PortServer {
  call(method: string, input: unknown): Promise<Reply<unknown>>
  /** The answer held back from shared memory, if any. */
  collect(): HeldAnswer | undefined
}

const NOTHING_HELD: HeldAnswer = {
  method: 'collect',
  reply: { ok: false, error: { name: 'Error', message: 'no answer is waiting to be collected' } },
}

/** The worker's end: answers each request on `port`, moving the answer's buffers back to the caller. */
export function servePortCalls(port: MessagePort, server: PortServer): void {
  port.onmessage = async (event: MessageEvent<CallRequest>) => {
    const request = event.data
    const { method, reply } =
      request.method === undefined
        ? (server.collect() ?? NOTHING_HELD)
        : { method: request.method, reply: await server.call(request.method, request.input) }
    try {
      const answer: Answer = { id: request.id, reply }
      port.postMessage(answer, reply.ok ? buffersOf(reply.value) : [])
    } catch (error) {
      // An answer that cannot be posted (it holds a function, say) fails its call rather than never arriving.
      const why = error instanceof Error ? error.message : String(error)
      const unsendable = new TypeError(
        `The answer to "${method}" cannot be sent from the worker (${why}); return data that structured clone can copy`,
      )
      const failed: Answer = { id: request.id, reply: { ok: false, error: errorFields(unsendable) } }
      port.postMessage(failed)
    }
  }
}

/** The distinct ArrayBuffers under a value's typed arrays, so they move instead of being copied. */
export function buffersOf(value: unknown, found = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) found.add(value.buffer)
  } else if (typeof value === 'object' && value !== null && depth < 8) {
    for (const child of Object.values(value)) buffersOf(child, found, depth + 1)
  }
  return [...found]
}
