import { describeAxes, type BatchAxes } from '../batch-axes.js'
import { BadInput, Overloaded } from '../errors.js'
import { batches, type BatchingConfig } from './config.js'
import { joinItems, measureItems, sliceMeasured, type Measured } from './merge.js'
import type { CallTrace } from '../telemetry/tracing.js'
import type { MethodMetrics, RejectReason } from './metrics.js'

/** Told of each call refused as overloaded, with why: for a log line (rate-limited by the listener). */
export type OnRefused = (method: string, reason: RejectReason, error: Overloaded) => void

/** One call waiting for, or being served by, one or more batches. */
export interface QueuedCall {
  readonly input: unknown
  readonly items: number
  readonly key: string
  /** The input taken apart along the batch axes, when the method batches. */
  readonly measured: Measured | undefined
  readonly arrivedAt: number
  readonly deadline: number
  /** The first item not yet sent to a worker. */
  next: number
  /** Items answered so far, and their outputs by first item. */
  answered: number
  readonly parts: { start: number; output: unknown }[]
  settled: boolean
  /** Its spans, when the runner traces. */
  readonly trace: CallTrace | undefined
  resolve(output: unknown): void
  reject(error: unknown): void
}

/** Items [start, end) of one call, as they go into a batch. */
export interface Piece {
  readonly call: QueuedCall
  readonly start: number
  readonly end: number
  readonly input: unknown
  /** The piece's input taken apart, when the method batches: what a merged batch is made from. */
  readonly measured: Measured | undefined
}

/**
 * The FIFO queue of one runner method. Calls are counted in items along the batch axis; a call larger
 * than a batch is cut into pieces that go out in order, and its answer is put back together from them.
 */
export class MethodQueue {
  private readonly calls: QueuedCall[] = []
  /** Items not yet sent to a worker. */
  queuedItems = 0

  constructor(
    readonly method: string,
    readonly config: BatchingConfig,
    private readonly metrics: MethodMetrics,
    private readonly onRefused?: OnRefused,
  ) {}

  get batching(): boolean {
    return batches(this.config)
  }

  get oldest(): QueuedCall | undefined {
    return this.calls[0]
  }

  /** Measures a call: its items along the batch axis, the key of the batches it may join, and its parts. */
  measure(input: unknown): { items: number; key: string; measured: Measured | undefined } {
    if (!this.batching) return { items: 1, key: '', measured: undefined }
    const measured = measureItems(input, this.config.inputAxis)
    if (measured.items === 0)
      throw new BadInput(
        `A call to "${this.method}" holds no items along batchDim ${describeAxes(this.config.inputAxis)}; send at least one`,
      )
    return { items: measured.items, key: measured.key, measured }
  }

  /** Refuses a call the queue cannot hold: too large ever, or too large for the room left now. */
  checkRoom(items: number, retryAfterS: number): void {
    if (items > this.config.maxQueueItems) {
      throw new BadInput(
        `A call of ${items} items is larger than the queue of "${this.method}" can ever hold (maxQueueItems ${this.config.maxQueueItems}); send it in parts`,
      )
    }
    if (this.queuedItems + items > this.config.maxQueueItems) {
      this.metrics.rejections.queue_full++
      const error = new Overloaded(
        `The queue of "${this.method}" is full (${this.queuedItems} of ${this.config.maxQueueItems} items); try again shortly`,
        retryAfterS,
      )
      this.onRefused?.(this.method, 'queue_full', error)
      throw error
    }
  }

  push(call: QueuedCall): void {
    this.calls.push(call)
    this.queuedItems += call.items
    this.metrics.queued = this.queuedItems
  }

  /** Takes a call out of the queue (it was cancelled); pieces already running are left to finish. */
  remove(call: QueuedCall): void {
    const index = this.calls.indexOf(call)
    if (index === -1) return
    this.calls.splice(index, 1)
    this.queuedItems -= call.items - call.next
    this.metrics.queued = this.queuedItems
  }

  /** Items that could join the oldest call's batch, up to `limit`. */
  compatibleItems(limit: number): number {
    const head = this.calls[0]
    if (!head) return 0
    if (!this.batching) return 1
    let n = 0
    for (const call of this.calls) {
      if (call.key === head.key) n += call.items - call.next
      if (n >= limit) return limit
    }
    return n
  }

  /**
   * Forms the next batch of up to `limit` items, oldest first, from calls that can merge with the oldest.
   * Calls that would finish after their deadline even if sent now (`finishAt`) are refused instead.
   */
  take(limit: number, finishAt: number | undefined): Piece[] {
    if (!this.batching) {
      const call = this.calls.shift()
      if (!call) return []
      this.queuedItems -= 1
      this.metrics.queued = this.queuedItems
      call.next = 1
      return [{ call, start: 0, end: 1, input: call.input, measured: undefined }]
    }
    this.refuseLate(finishAt)
    const head = this.calls[0]
    if (!head) return []
    const pieces: Piece[] = []
    let room = limit
    for (let i = 0; i < this.calls.length && room > 0;) {
      const call = this.calls[i]!
      if (call.key !== head.key) {
        i++
        continue
      }
      const start = call.next
      const end = Math.min(call.items, start + room)
      const whole = start === 0 && end === call.items
      if (whole) pieces.push({ call, start, end, input: call.input, measured: call.measured })
      else {
        const { value, measured } = sliceMeasured(call.measured!, start, end)
        pieces.push({ call, start, end, input: value, measured })
      }
      call.next = end
      room -= end - start
      this.queuedItems -= end - start
      if (call.next === call.items) this.calls.splice(i, 1)
      else i++
    }
    this.metrics.queued = this.queuedItems
    return pieces
  }

  /** Refuses every queued call, e.g. when the runner shuts down. */
  drain(error: Error): void {
    for (const call of this.calls.splice(0)) fail(call, error)
    this.queuedItems = 0
    this.metrics.queued = 0
  }

  private refuseLate(finishAt: number | undefined): void {
    if (finishAt === undefined) return
    for (const call of [...this.calls]) {
      if (call.next > 0 || finishAt <= call.deadline) continue
      this.remove(call)
      this.metrics.rejections.deadline++
      const late = Math.ceil((finishAt - call.deadline) / 1000)
      const error = new Overloaded(
        `"${this.method}" cannot answer within maxLatencyMs (${this.config.maxLatencyMs} ms): the runner is overloaded`,
        Math.max(1, late),
      )
      this.onRefused?.(this.method, 'deadline', error)
      fail(call, error)
    }
  }
}

/** Rejects a call once; later pieces of it are ignored. */
export function fail(call: QueuedCall, error: unknown): void {
  if (call.settled) return
  call.settled = true
  call.trace?.end(error)
  call.reject(error)
}

/** Records one piece's output, and answers the call once every piece is in. */
export function deliver(call: QueuedCall, start: number, end: number, output: unknown, outputAxis: BatchAxes): void {
  if (call.settled) return
  call.parts.push({ start, output })
  call.answered += end - start
  if (call.answered < call.items) return
  let whole = output
  if (call.parts.length > 1) {
    call.parts.sort((x, y) => x.start - y.start)
    try {
      whole = joinItems(
        call.parts.map((p) => p.output),
        outputAxis,
      )
    } catch (error) {
      return fail(call, error) // pieces that cannot be put back together: the caller hears why
    }
  }
  call.settled = true
  call.trace?.end()
  call.resolve(whole)
}
