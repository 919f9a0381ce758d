// A worker host as it crosses a worker boundary (a Web Worker, a worker_threads worker, a page's lent
// port): every answer travels in tiffin's own envelope, so an error keeps its class and code and its
// stack stays in the worker, and typed-array buffers move instead of being copied.
import { transfer } from 'comlink'
import { errorFields, errorFromFields, type ErrorFields } from '../errors.js'
import type { SetupReport, WorkerHost, WorkerSpec } from './host.js'
import type { LiveCounts } from './live-counts.js'
import { serveSharedCalls, sharedMemoryMissing } from './shared-channel.js'

/** One answer across the boundary: the value, or the fields of the error thrown. */
export type Reply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorFields }

/** What a worker exposes: the host's methods, each answering with a `Reply`. */
export interface WorkerApi {
  setup(spec: WorkerSpec): Promise<Reply<SetupReport>>
  call(method: string, input: unknown): Promise<Reply<unknown>>
  counts(): Promise<Reply<LiveCounts>>
  teardown(): Promise<Reply<void>>
  /** Starts answering calls written into `memory` (see SharedCalls); false where this thread cannot wait on it. */
  openChannel(memory: SharedArrayBuffer): Promise<Reply<boolean>>
  /** The answer to a call made through shared memory that did not fit there. */
  collect(): Promise<Reply<unknown>>
}

async function reply<T>(work: () => Promise<T>, move = false): Promise<Reply<T>> {
  try {
    const value = await work()
    const answer: Reply<T> = { ok: true, value }
    return move ? withTransfer(answer) : answer
  } catch (error) {
    return { ok: false, error: errorFields(error) }
  }
}

/** The host as a worker exposes it; results move their buffers to the caller (a runnable must return fresh arrays). */
export function workerApi(host: WorkerHost): WorkerApi {
  let channel: { collect(): Reply<unknown> } | undefined
  return {
    setup: (spec) => reply(() => host.setup(spec)),
    call: (method, input) => reply(() => host.call(method, input), true),
    counts: () => reply(() => host.counts()),
    teardown: () => reply(() => host.teardown()),
    openChannel: (memory) =>
      reply(async () => {
        if (channel || sharedMemoryMissing()) return false
        channel = serveSharedCalls(memory, (method, input) => reply(() => host.call(method, input)))
        return true
      }),
    collect: async () => {
      const held = channel?.collect() ?? { ok: false, error: { name: 'Error', message: 'no shared memory is open' } }
      return held.ok ? withTransfer(held) : held
    },
  }
}

/** The value of a reply, or its error rebuilt with its class (a `BadInput` thrown in a worker is a `BadInput` here). */
export async function unwrap<T>(answer: Promise<Reply<T>>): Promise<T> {
  const settled = await answer
  if (settled.ok) return settled.value
  throw errorFromFields(settled.error)
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

/** Marks a value's typed-array buffers for transfer. The sender must not use them afterwards. */
export function withTransfer<T>(value: T): T {
  return transfer(value, buffersOf(value))
}
