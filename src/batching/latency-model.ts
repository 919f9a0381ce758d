/**
 * Batch execution time as `a·n + b` (n items), refitted by least squares over the most recent batches,
 * as BentoML's dispatcher does. Until a few batches have run it is not `calibrated`, and the batcher
 * neither waits nor rejects on its word.
 */
export class LatencyModel {
  private readonly samples: { n: number; ms: number }[] = []
  private fit: { a: number; b: number } | undefined

  constructor(
    private readonly window = 64,
    private readonly minSamples = 3,
  ) {}

  get calibrated(): boolean {
    return this.samples.length >= this.minSamples
  }

  observe(n: number, ms: number): void {
    this.samples.push({ n, ms })
    if (this.samples.length > this.window) this.samples.shift()
    this.fit = undefined
  }

  /** Predicted milliseconds to run a batch of `n` items (0 before any batch has run). */
  predict(n: number): number {
    const { a, b } = this.coefficients()
    return a * n + b
  }

  coefficients(): { a: number; b: number } {
    this.fit ??= fitLine(this.samples)
    return this.fit
  }
}

function fitLine(samples: readonly { n: number; ms: number }[]): { a: number; b: number } {
  if (samples.length === 0) return { a: 0, b: 0 }
  let sn = 0
  let st = 0
  for (const s of samples) {
    sn += s.n
    st += s.ms
  }
  const meanN = sn / samples.length
  const meanT = st / samples.length
  let cov = 0
  let varN = 0
  for (const s of samples) {
    cov += (s.n - meanN) * (s.ms - meanT)
    varN += (s.n - meanN) ** 2
  }
  // One batch size seen so far: the slope is unknown, so split the time evenly between fixed and per-item cost.
  if (varN < 1e-9) return meanN > 0 ? { a: meanT / 2 / meanN, b: meanT / 2 } : { a: 0, b: meanT }
  const a = cov / varN
  const b = meanT - a * meanN
  if (a < 0) return { a: 0, b: meanT }
  if (b < 0) return { a: meanT / meanN, b: 0 }
  return { a, b }
}
