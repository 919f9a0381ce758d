// A call to a worker through shared memory: the caller writes the call into a SharedArrayBuffer and wakes
// the worker with Atomics.notify; the worker writes the answer back in place and wakes the caller, with no
// message posted and no value cloned. Both sides wait with Atomics.waitAsync, so an idle channel costs no
// CPU and neither event loop is blocked (a blocking Atomics.wait in the worker measured no faster).
import { decodeFrom, encodeInto } from './shared-wire.js'
import type { Reply } from './worker-api.js'

// The Int32 words before the data.
const STATE = 0
const LENGTH = 1
const HEADER_BYTES = 16

// STATE: who holds the memory. The caller writes REQUEST; the worker answers REPLY, or HELD when its answer
// does not fit or is not plain data (the caller then collects it by message); the caller returns it to IDLE.
const IDLE = 0
const REQUEST = 1
const REPLY = 2
const HELD = 3

/** Why this thread cannot share memory with its workers and wait on it without blocking; undefined when it can. */
export function sharedMemoryMissing(): string | undefined {
  // Pages and their workers get shared memory only when cross-origin isolated; Node has no such flag.
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false)
    return 'the page is not cross-origin isolated'
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer here'
  if (typeof Atomics.waitAsync !== 'function') return 'no Atomics.waitAsync here'
  return undefined
}

/** The caller's end: one call at a time; anything it cannot take goes by message instead. */
export class SharedCalls {
  readonly memory: SharedArrayBuffer
  private readonly words: Int32Array
  private readonly data: Uint8Array
  private busy = false
  private closed = false

  constructor(
    bytes: number,
    /** Fetches, by message, an answer the worker could not write into the memory. */
    private readonly collect: () => Promise<Reply<unknown>>,
  ) {
    this.memory = new SharedArrayBuffer(HEADER_BYTES + bytes)
    this.words = new Int32Array(this.memory, 0, HEADER_BYTES / 4)
    this.data = new Uint8Array(this.memory, HEADER_BYTES)
  }

  /**
   * Sends the call and resolves with the worker's reply; undefined, sending nothing, when a call is already
   * in the memory or this one is not plain data or too big (large tensors move faster by message anyway).
   */
  call(method: string, input: unknown): Promise<Reply<unknown>> | undefined {
    if (this.busy || this.closed) return undefined
    const length = encodeInto([method, input], this.data)
    if (length === undefined) return undefined
    this.busy = true
    Atomics.store(this.words, LENGTH, length)
    Atomics.store(this.words, STATE, REQUEST)
    Atomics.notify(this.words, STATE)
    return this.answer()
  }

  /** Stops waiting for the worker (it died or overran): a call still in the memory fails, later ones go by message. */
  close(): void {
    this.closed = true
    Atomics.notify(this.words, STATE)
  }

  private async answer(): Promise<Reply<unknown>> {
    // No timeout here: the executor fails a call that overruns, and closes this so the wait ends.
    const waited = Atomics.waitAsync(this.words, STATE, REQUEST)
    if (waited.async) await waited.value
    const state = Atomics.load(this.words, STATE)
    if (state === REQUEST) throw new Error('the worker stopped before it answered')
    try {
      return state === REPLY
        ? (decodeFrom(this.data.subarray(0, Atomics.load(this.words, LENGTH))) as Reply<unknown>)
        : await this.collect()
    } finally {
      Atomics.store(this.words, STATE, IDLE)
      this.busy = false
    }
  }
}

/** An answer the worker could not write into the memory, for the caller to collect by message. */
export interface HeldAnswer {
  readonly method: string
  readonly reply: Reply<unknown>
}

/** The worker's end of the memory. */
export interface SharedCallsServer {
  /** The answer held back for the caller to collect by message, if any. */
  collect(): HeldAnswer | undefined
  /**
   * Resolves once the call waiting in the memory has been answered, if one waits: the caller sends a call by
   * message only while the memory is busy, so one that arrives first runs after it, in the order sent, and
   * a worker that dies on it has answered the call before (the runner runs again only calls never started).
   */
  afterWaitingCall(): Promise<void> | undefined
}

/**
 * The worker's end: answers each call written into `memory` with `answer` (which never throws), for as long
 * as the worker lives. Returns how the caller collects an answer that was held back.
 */
export function serveSharedCalls(
  memory: SharedArrayBuffer,
  answer: (method: string, input: unknown) => Promise<Reply<unknown>>,
): SharedCallsServer {
  const words = new Int32Array(memory, 0, HEADER_BYTES / 4)
  const data = new Uint8Array(memory, HEADER_BYTES)
  let held: HeldAnswer | undefined
  // Who waits for the call in the memory to be answered.
  const waitingForAnswer: (() => void)[] = []
  const serve = async (): Promise<void> => {
    for (;;) {
      for (let state = Atomics.load(words, STATE); state !== REQUEST; state = Atomics.load(words, STATE)) {
        const waited = Atomics.waitAsync(words, STATE, state)
        if (waited.async) await waited.value
      }
      const [method, input] = decodeFrom(data.subarray(0, Atomics.load(words, LENGTH))) as [string, unknown]
      const reply = await answer(method, input)
      const length = encodeInto(reply, data)
      if (length === undefined) held = { method, reply }
      else Atomics.store(words, LENGTH, length)
      Atomics.store(words, STATE, length === undefined ? HELD : REPLY)
      Atomics.notify(words, STATE)
      for (const resume of waitingForAnswer.splice(0)) resume()
    }
  }
  void serve()
  return {
    collect() {
      const answer = held
      held = undefined
      return answer
    },
    afterWaitingCall() {
      if (Atomics.load(words, STATE) !== REQUEST) return undefined
      return new Promise((resolve) => waitingForAnswer.push(resolve))
    },
  }
}
