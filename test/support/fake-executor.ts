import type { Executor } from '../../src/runner/executor.js'

export interface HeldCall {
  readonly method: string
  readonly input: unknown
  resolve(output: unknown): void
  reject(error: unknown): void
}

/** An executor whose calls wait until the test answers them, so a test sees each batch as it is formed. */
export class ManualExecutor implements Executor {
  readonly held: HeldCall[] = []
  readonly seen: HeldCall[] = []

  constructor(readonly label: string) {}

  get inFlight(): number {
    return this.held.length
  }

  async setup() {
    return { methods: [], notes: [] }
  }

  call(method: string, input: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: HeldCall = {
        method,
        input,
        resolve: (v) => (this.held.splice(this.held.indexOf(call), 1), resolve(v)),
        reject: (e) => (this.held.splice(this.held.indexOf(call), 1), reject(e)),
      }
      this.held.push(call)
      this.seen.push(call)
    })
  }

  /** Answers the oldest held call with `f(input)`. */
  answer(f: (input: unknown) => unknown = (x) => x): void {
    const call = this.held[0]
    if (!call) throw new Error(`${this.label} holds no call`)
    call.resolve(f(call.input))
  }

  onDeath(): void {}
  async close(): Promise<void> {}
}

/** Lets promise callbacks run (answers to reach callers, completions to reach the scheduler). */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}
