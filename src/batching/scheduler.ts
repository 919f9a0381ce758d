import { Overloaded, TiffinError, WorkerLost } from '../errors.js'
import type { BatchSpan, CallTrace } from '../telemetry/tracing.js'
import { Arrivals, OutstandingHistory } from './arrivals.js'
import type { Clock } from './clock.js'
import type { BatchingConfig } from './config.js'
import type { BatchExecutor } from './executor.js'
import { LatencyModel } from './latency-model.js'
import { mergeMeasured, splitItems } from './merge.js'
import { MethodMetrics } from './metrics.js'
import { decide, estimateCompletion, type Decision } from './policy.js'
import { deliver, fail, MethodQueue, type OnRefused, type Piece, type QueuedCall } from './queue.js'

/** A batch an executor holds: when it should finish, and whether it was answered. */
interface HeldBatch {
  readonly finishAt: number
  answered: boolean
}

interface MethodState {
  readonly queue: MethodQueue
  readonly model: LatencyModel
  readonly arrivals: Arrivals
  readonly outstanding: OutstandingHistory
  readonly metrics: MethodMetrics
  /** Items sent to workers and not yet answered. */
  running: number
}

export interface SchedulerOptions {
  readonly runner: string
  readonly methods: Readonly<Record<string, BatchingConfig>>
  /** The executors running now; the scheduler keeps each one's `capacity` of batches in flight (one for a worker). */
  live(): readonly BatchExecutor[]
  readonly timeoutMs: number
  /** How long a call may wait while no worker is running at all (every one being replaced). */
  readonly strandedMs: number
  /** Why no worker is running, for the message a stranded call gets. */
  whyNoWorker(): string | undefined
  readonly clock: Clock
  /** Told of each call refused as overloaded (queue full, or too late for its deadline). */
  readonly onRefused?: OnRefused
}

/**
 * Feeds every worker of a runner from one FIFO queue per method. A free worker takes the next batch of
 * the method whose oldest call has waited longest; the policy decides whether that batch goes now or
 * waits for more items. One batch is in flight per worker, so the next forms while the current runs; a full
 * one may wait in a busy worker that queues it (BatchExecutor.queuesFullBatch).
 */
export class Scheduler {
  readonly methods = new Map<string, MethodState>()
  /** Per executor, the batches it holds, in the order sent. */
  private readonly running = new Map<BatchExecutor, HeldBatch[]>()
  /** Per executor, when its last batch ended: a batch queued behind it started then, not when it was sent. */
  private readonly lastEnded = new WeakMap<BatchExecutor, number>()
  private timer: unknown
  private pumpQueued = false
  /** Batches lost with an executor that did not run them, to run again before anything else. */
  private readonly retries: { state: MethodState; pieces: Piece[] }[] = []
  private closed: Error | undefined

  constructor(private readonly options: SchedulerOptions) {
    for (const [method, config] of Object.entries(options.methods)) {
      const metrics = new MethodMetrics(options.runner, method)
      const queue = new MethodQueue(method, config, metrics, options.onRefused)
      this.methods.set(method, {
        queue,
        model: new LatencyModel(),
        arrivals: new Arrivals(),
        outstanding: new OutstandingHistory(),
        metrics,
        running: 0,
      })
    }
  }

  /** Queues a call; `trace`, when the runner traces, is told when it leaves the queue and is settled. */
  submit(method: string, input: unknown, signal?: AbortSignal, trace?: CallTrace): Promise<unknown> {
    const state = this.methods.get(method)
    if (!state || this.closed) {
      const refused = state ? this.closed! : new TypeError(`Runner "${this.options.runner}" has no method "${method}"`)
      trace?.end(refused)
      return Promise.reject(refused)
    }
    const { queue, model, arrivals, metrics } = state
    const now = this.options.clock.now()
    let call!: QueuedCall
    const answer = new Promise<unknown>((resolve, reject) => {
      const { items, key, measured } = queue.measure(input)
      queue.checkRoom(items, this.retryAfter(state))
      if (queue.batching && model.calibrated) this.refuseIfLate(state, items, now)
      call = {
        input,
        items,
        key,
        measured,
        arrivedAt: now,
        deadline: now + queue.config.maxLatencyMs,
        next: 0,
        answered: 0,
        parts: [],
        settled: false,
        trace,
        resolve,
        reject,
      }
    })
    if (!call) {
      // Refused before it was queued.
      if (trace) answer.catch((error: unknown) => trace.end(error))
      return answer
    }
    metrics.requests++
    metrics.items += call.items
    arrivals.record(now, call.items, queue.queuedItems + state.running > 0)
    queue.push(call)
    state.outstanding.record(now, queue.queuedItems + state.running)
    if (signal) this.cancelOnAbort(state, call, signal)
    this.schedulePump()
    return answer
  }

  /**
   * Pumps once the calls being made right now have all arrived: callers answered together call again
   * together (in the same turn of the event loop), and one decision over all of them beats one per call.
   */
  schedulePump(): void {
    if (this.pumpQueued) return
    this.pumpQueued = true
    queueMicrotask(() => {
      this.pumpQueued = false
      this.pump()
    })
  }

  /** Tries to put every free worker to work; called on arrivals, completions, timers and new workers. */
  pump(): void {
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer)
    this.timer = undefined
    if (this.closed) return
    if (this.options.live().length === 0) return this.expireStranded()
    for (;;) {
      const idle = this.freeExecutors()
      // With every executor busy, a full batch may still wait in one that queues it (see BatchExecutor).
      const queueing = idle.length === 0 ? this.executorsQueueingFullBatch() : []
      if (idle.length === 0 && queueing.length === 0) return
      const retry = this.retries.shift()
      if (retry) {
        this.run((idle[0] ?? queueing[0])!, retry.state, retry.pieces, true)
        continue
      }
      const now = this.options.clock.now()
      let chosen: { state: MethodState; items: number; why: string } | undefined
      let wakeAt = Infinity
      for (const state of this.methods.values()) {
        const oldest = state.queue.oldest
        if (!oldest) continue
        // A busy executor takes only a full batch (a smaller one grows while it is busy): no need to weigh one.
        const decision = idle.length === 0 ? this.fullOnly(state) : this.decide(state, now)
        if (decision.action === 'skip') continue
        if (decision.action === 'wait') {
          wakeAt = Math.min(wakeAt, decision.until)
          state.metrics.waits++
        } else if (!chosen || oldest.arrivedAt < chosen.state.queue.oldest!.arrivedAt)
          chosen = { state, items: decision.items, why: decision.why }
      }
      if (!chosen) {
        if (wakeAt < Infinity) this.timer = this.options.clock.setTimer(() => this.pump(), wakeAt - now)
        return
      }
      const { queue, model, metrics } = chosen.state
      metrics.dispatchReasons[chosen.why] = (metrics.dispatchReasons[chosen.why] ?? 0) + 1
      // Several free workers share what is queued, rather than one taking it all while the others idle.
      const share =
        idle.length > 0 ? Math.ceil(queue.compatibleItems(queue.config.maxBatchSize) / idle.length) : Infinity
      const items = Math.max(1, Math.min(chosen.items, share))
      // With nothing of this method running, only calls already past their deadline are refused: the
      // prediction alone must not refuse a call that nothing delays (see refuseIfLate).
      const finishAt = chosen.state.running === 0 ? now : now + model.predict(items)
      const pieces = queue.take(items, model.calibrated ? finishAt : undefined)
      if (pieces.length > 0) this.run((idle[0] ?? queueing[0])!, chosen.state, pieces)
    }
  }

  /** Executors with room for another batch, least loaded first: work spreads over every worker or replica. */
  private freeExecutors(): BatchExecutor[] {
    const free: BatchExecutor[] = []
    for (const e of this.options.live()) if (this.load(e) < (e.capacity ?? 1)) free.push(e)
    return free.length > 1 ? free.sort((a, b) => this.load(a) - this.load(b)) : free
  }

  /** Busy executors that queue a full batch and hold none queued yet. */
  private executorsQueueingFullBatch(): BatchExecutor[] {
    const queueing: BatchExecutor[] = []
    for (const e of this.options.live()) if (e.queuesFullBatch && this.load(e) === (e.capacity ?? 1)) queueing.push(e)
    return queueing
  }

  private load(executor: BatchExecutor): number {
    return this.running.get(executor)?.length ?? 0
  }

  /** Refuses everything queued and takes no more calls. */
  close(error: Error): void {
    this.closed = error
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer)
    for (const retry of this.retries.splice(0)) for (const p of retry.pieces) fail(p.call, error)
    for (const state of this.methods.values()) state.queue.drain(error)
  }

  /** With no worker running, calls wait for a replacement, but never longer than `strandedMs`. */
  private expireStranded(): void {
    const now = this.options.clock.now()
    let next = Infinity
    const stranded = (arrivedAt: number): WorkerLost | undefined => {
      const expiry = arrivedAt + this.options.strandedMs
      if (expiry > now) {
        next = Math.min(next, expiry)
        return undefined
      }
      const why = this.options.whyNoWorker()
      return new WorkerLost(
        `Runner "${this.options.runner}" has had no running worker for ${this.options.strandedMs} ms${why ? `: ${why}` : ''}`,
      )
    }
    for (const retry of [...this.retries]) {
      const error = stranded(Math.min(...retry.pieces.map((p) => p.call.arrivedAt)))
      if (!error) continue
      this.retries.splice(this.retries.indexOf(retry), 1)
      for (const p of retry.pieces) fail(p.call, error)
    }
    for (const { queue } of this.methods.values()) {
      for (let call = queue.oldest; call; call = queue.oldest) {
        const error = stranded(call.arrivedAt)
        if (!error) break
        queue.remove(call)
        fail(call, error)
      }
    }
    if (next < Infinity) this.timer = this.options.clock.setTimer(() => this.pump(), next - now)
  }

  private decide(state: MethodState, now: number): Decision {
    const { queue, model, arrivals, outstanding } = state
    if (!queue.batching) return { action: 'dispatch', items: 1, why: 'unbatched' }
    const limit = queue.config.maxBatchSize
    return decide({
      now,
      queuedItems: queue.compatibleItems(limit),
      maxBatchSize: limit,
      oldestDeadline: queue.oldest!.deadline,
      lastArrival: arrivals.last ?? now,
      // Measured only if the policy gets that far: most decisions are made before it needs them.
      get arrivalRate() {
        return arrivals.rate(now)
      },
      get typicalGapMs() {
        return arrivals.typicalGap()
      },
      workers: Math.max(1, this.options.live().length),
      outstanding: queue.queuedItems + state.running,
      get earlierPeak() {
        return outstanding.earlierPeak(now)
      },
      model,
    })
  }

  /** The decision for an executor that is busy: a full batch goes, anything smaller waits. */
  private fullOnly(state: MethodState): Decision | { readonly action: 'skip' } {
    const { queue } = state
    if (!queue.batching) return { action: 'dispatch', items: 1, why: 'unbatched' }
    const limit = queue.config.maxBatchSize
    return queue.compatibleItems(limit) >= limit
      ? { action: 'dispatch', items: limit, why: 'full' }
      : { action: 'skip' }
  }

  private run(executor: BatchExecutor, state: MethodState, pieces: Piece[], retried = false): void {
    const { queue, model, metrics } = state
    const { method, config } = queue
    const items = pieces.reduce((n, p) => n + p.end - p.start, 0)
    const started = this.options.clock.now()
    // One whole call goes as it came (its input was checked when it was queued) and its output comes back
    // as it is: nothing to merge or split. Its buffers are the caller's, so they are copied, not moved; a
    // merged batch is new, so it is moved, and merged again from the pieces if it has to run again.
    const alone = pieces.length === 1 && pieces[0]!.start === 0 && pieces[0]!.end === pieces[0]!.call.items
    const split = queue.batching && !alone
    let input: unknown
    try {
      input = split ? mergeMeasured(pieces.map((p) => p.measured!)) : pieces[0]!.input
    } catch (error) {
      for (const p of pieces) fail(p.call, error)
      return
    }
    const held = this.running.get(executor) ?? []
    // A batch queued behind another starts when that one should end.
    const ahead = held.at(-1)
    const batch: HeldBatch = {
      finishAt: Math.max(started, ahead?.finishAt ?? started) + model.predict(items),
      answered: false,
    }
    held.push(batch)
    this.running.set(executor, held)
    state.running += items
    if (!retried) {
      for (const p of pieces) if (p.start === 0 || !queue.batching) metrics.queueMs.observe(started - p.call.arrivedAt)
      metrics.batchSize.observe(items)
      metrics.executions++
    }
    const spans = this.traceBatch(pieces, executor, items)
    // The worker is marked free before callers hear back, so the calls they make next can go straight out.
    const release = (): void => {
      state.running -= items
      held.splice(held.indexOf(batch), 1)
      if (held.length === 0 && this.running.get(executor) === held) this.running.delete(executor)
    }
    const options = spans
      ? { timeoutMs: this.options.timeoutMs, transfer: split, traceHeaders: spans[0]?.headers }
      : { timeoutMs: this.options.timeoutMs, transfer: split }
    // How long the batch ran: from when it was sent, or from when the batch ahead of it in the executor ended.
    const ran = (): number => {
      const now = this.options.clock.now()
      const elapsed = now - Math.max(started, this.lastEnded.get(executor) ?? started)
      this.lastEnded.set(executor, now)
      return elapsed
    }
    executor.call(method, input, options).then(
      (output) => {
        batch.answered = true
        release()
        if (spans) for (const span of spans) span.end()
        const elapsed = ran()
        model.observe(items, elapsed)
        metrics.executionMs.observe(elapsed)
        try {
          const outputs = split
            ? splitItems(
                output,
                config.outputAxis,
                pieces.map((p) => p.end - p.start),
              )
            : [output]
          pieces.forEach((p, i) => deliver(p.call, p.start, p.end, outputs[i], config.outputAxis))
        } catch (error) {
          metrics.failures++
          for (const p of pieces) fail(p.call, error)
        }
        this.schedulePump()
      },
      (error: unknown) => {
        release()
        ran()
        if (spans) for (const span of spans) span.end(error)
        // A lent executor's loss says nothing of the batch; a batch still queued behind an unanswered one in
        // an executor that runs them in order never started, so it did not cause the loss either.
        const neverStarted = executor.queuesFullBatch === true && ahead !== undefined && !ahead.answered
        if ((executor.retryOnLoss || neverStarted) && error instanceof WorkerLost && !retried && !this.closed) {
          this.retries.push({ state, pieces })
        } else {
          metrics.failures++
          for (const p of pieces) fail(p.call, error)
        }
        this.schedulePump()
      },
    )
  }

  /** An execution span for each traced call in the batch; undefined when none is traced. */
  private traceBatch(pieces: Piece[], executor: BatchExecutor, items: number): BatchSpan[] | undefined {
    let spans: BatchSpan[] | undefined
    for (const p of pieces)
      if (p.call.trace)
        (spans ??= []).push(
          p.call.trace.executing({
            'tiffin.batch_size': items,
            'tiffin.items': p.end - p.start,
            'tiffin.worker': executor.label,
          }),
        )
    return spans
  }

  private refuseIfLate(state: MethodState, items: number, now: number): void {
    const { queue, model, metrics } = state
    // Nothing queued or running ahead of it, and a worker free: the call is run, however long the model
    // says it takes. Refused, it would teach the model nothing, and a model that a stall or a burst of
    // full batches left pessimistic would refuse every call after it, for good.
    if (queue.queuedItems === 0 && state.running === 0 && this.options.live().some((e) => this.load(e) === 0)) return
    const freeAt = this.options.live().map((e) => this.running.get(e)?.at(-1)?.finishAt ?? now)
    const finish = estimateCompletion(now, queue.queuedItems, items, queue.config.maxBatchSize, freeAt, (n) =>
      model.predict(n),
    )
    if (finish <= now + queue.config.maxLatencyMs) return
    metrics.rejections.deadline++
    const error = new Overloaded(
      `"${queue.method}" of runner "${this.options.runner}" cannot answer within maxLatencyMs (${queue.config.maxLatencyMs} ms): about ${Math.round(finish - now)} ms of work is ahead`,
      Math.max(1, Math.ceil((finish - now - queue.config.maxLatencyMs) / 1000)),
    )
    this.options.onRefused?.(queue.method, 'deadline', error)
    throw error
  }

  /** Seconds until the queue has likely drained: the hint sent with a refusal. */
  private retryAfter(state: MethodState): number {
    const { queue, model } = state
    const batches = Math.ceil(queue.queuedItems / queue.config.maxBatchSize)
    const workers = Math.max(1, this.options.live().length)
    return Math.max(1, Math.ceil((batches * model.predict(queue.config.maxBatchSize)) / workers / 1000))
  }

  private cancelOnAbort(state: MethodState, call: QueuedCall, signal: AbortSignal): void {
    const onAbort = (): void => {
      if (call.settled) return
      state.queue.remove(call)
      state.metrics.cancelled++
      fail(call, signal.reason ?? new TiffinError('The call was cancelled'))
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    const settle = (): void => signal.removeEventListener('abort', onAbort)
    const { resolve, reject } = call
    call.resolve = (v) => (settle(), resolve(v))
    call.reject = (e) => (settle(), reject(e))
  }
}
