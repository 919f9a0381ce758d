export interface LoadResult {
  readonly items: number
  readonly seconds: number
  readonly latenciesMs: number[]
  readonly errors: number
}

/**
 * `callers` concurrent callers, each sending its next call as soon as the last is answered, for
 * `seconds` (after `warmupSeconds` not counted). Each call carries one item.
 */
export async function closedLoop(
  callers: number,
  seconds: number,
  call: () => Promise<unknown>,
  warmupSeconds = 0.5,
): Promise<LoadResult> {
  const start = performance.now()
  const measureFrom = start + warmupSeconds * 1000
  const end = measureFrom + seconds * 1000
  const latenciesMs: number[] = []
  let items = 0
  let errors = 0
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now()
        try {
          await call()
        } catch {
          errors++
          continue
        }
        const t1 = performance.now()
        if (t0 >= measureFrom && t1 <= end) {
          items++
          latenciesMs.push(t1 - t0)
        }
      }
    }),
  )
  return { items, seconds, latenciesMs, errors }
}

/** Runs `batch` in a loop for `seconds`: the offline limit, with no serving in between. */
export async function offlineLoop(
  seconds: number,
  batchSize: number,
  batch: () => Promise<unknown>,
): Promise<{ itemsPerSecond: number; batchMs: number }> {
  for (let i = 0; i < 3; i++) await batch()
  const t0 = performance.now()
  let runs = 0
  while (performance.now() - t0 < seconds * 1000) {
    await batch()
    runs++
  }
  const elapsed = performance.now() - t0
  return { itemsPerSecond: (runs * batchSize * 1000) / elapsed, batchMs: elapsed / runs }
}

/**
 * The median time of `call` when each call starts `idleMs` after the last one ended, the thread idle
 * meanwhile: what a call costs a server that waits between requests (caches and cores gone cold), against
 * the back-to-back calls of a closed loop.
 */
export async function afterIdle(call: () => Promise<unknown>, idleMs: number, count = 300): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, idleMs))
    const t0 = performance.now()
    await call()
    times.push(performance.now() - t0)
  }
  return times.sort((a, b) => a - b)[Math.floor(count / 2)]!
}
