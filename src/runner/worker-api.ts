// A worker host as it crosses a worker boundary (a Web Worker, a worker_threads worker, a page's lent
// port): every answer travels in tiffin's own envelope, so an error keeps its class and code and its
// stack stays in the worker, and typed-array buffers move instead of being copied.
import { transfer } from 'comlink'
import { errorFields, errorFromFields, type ErrorFields } from '../errors.js'
import type { SetupReport, WorkerHost, WorkerSpec } from './host.js'
import type { LiveCounts } from './live-counts.js'
import { buffersOf, servePortCalls } from './call-port.js'
import { serveSharedCalls, sharedMemoryMissing, type SharedCallsServer } from './shared-channel.js'

/** One answer across the boundary: the value, or the fields of the error thrown. */
export type Reply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorFields }

/** What a worker exposes: the host's methods, each answering with a `Reply`. */
export interface WorkerApi {
  setup(spec: WorkerSpec): Promise<Reply<SetupReport>>
  /** A call by Comlink, for a caller from an older tiffin (newer ones send calls on the call port). */
  call(method: string, input: unknown): Promise<Reply<unknown>>
  counts(): Promise<Reply<LiveCounts>>
  teardown(): Promise<Reply<void>>
  /** Starts answering calls sent on `port` (see PortCalls). */
  openCallPort(port: MessagePort): Promise<Reply<void>>
  /** Starts answering calls written into `memory` (see SharedCalls); false where this thread cannot wait on it. */
  openChannel(memory: SharedArrayBuffer): Promise<Reply<boolean>>
}

async function reply<T>(work: () => Promise<T>): Promise<Reply<T>> {
  try {
    return { ok: true, value: await work() }
  } catch (error) {
    return { ok: false, error: errorFields(error) }
  }
}

/** The host as a worker exposes it; results move their buffers to the caller (a runnable must return fresh arrays). */
export function workerApi(host: WorkerHost): WorkerApi {
  let channel: SharedCallsServer | undefined
  const call = (method: string, input: unknown) => reply(() => host.call(method, input))
  return {
    setup: (spec) => reply(() => host.setup(spec)),
    call: async (method, input) => withTransfer(await call(method, input)),
    counts: () => reply(() => host.counts()),
    teardown: () => reply(() => host.teardown()),
    openCallPort: (port) =>
      reply(async () =>
        servePortCalls(port, {
          // Without a call waiting in shared memory, a call starts in the same turn (no await on the way).
          call(method, input) {
            const waiting = channel?.afterWaitingCall()
            return waiting ? waiting.then(() => call(method, input)) : call(method, input)
          },
          collect: () => channel?.collect(),
        }),
      ),
    openChannel: (memory) =>
      reply(async () => {
        if (channel || sharedMemoryMissing()) return false
        channel = serveSharedCalls(memory, call)
        return true
      }),
  }
}

/** Marks a value's typed-array buffers for transfer by Comlink. The sender must not use them afterwards. */
export function withTransfer<T>(value: T): T {
  return transfer(value, buffersOf(value))
}

/** The value of a reply, or its error rebuilt with its class (a `BadInput` thrown in a worker is a `BadInput` here). */
export async function unwrap<T>(answer: Promise<Reply<T>>): Promise<T> {
  const settled = await answer
  if (settled.ok) return settled.value
  throw errorFromFields(settled.error)
}
