import type { Clock } from '../../src/batching/clock.js'

/** A clock that moves only when told, for deterministic tests of the batching policy. */
export class FakeClock implements Clock {
  time = 0
  private timers: { at: number; callback: () => void; id: number }[] = []
  private nextId = 1

  now(): number {
    return this.time
  }

  setTimer(callback: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.push({ at: this.time + Math.max(0, ms), callback, id })
    return id
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle)
  }

  /** The time the next timer fires, if any. */
  get nextTimer(): number | undefined {
    return this.timers.length ? Math.min(...this.timers.map((t) => t.at)) : undefined
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.time = Math.max(this.time, due.at)
      due.callback()
    }
    this.time = end
  }
}
