// Many calls at once, each with its own input, and an account of what became of every one: for the
// fault tests, in Node and in pages alike (runtime-free).

/** What became of one call: its own right answer, a clear refusal, or a problem (a wrong answer, a hang…). */
export type Outcome = { readonly right: true } | { readonly refused: string } | { readonly problem: string }

export interface LoadReport {
  /** Calls answered with exactly their own answer. */
  readonly right: number
  /** Calls refused with a clear status, by kind (`503 overloaded`). */
  readonly refused: Readonly<Record<string, number>>
  /** One line per call that was answered wrong, hung, or failed without a clear status: must stay empty. */
  readonly problems: readonly string[]
}

export const right: Outcome = { right: true }

/**
 * Makes `count` calls, `concurrency` at a time. Call `i` gets a signal that aborts after `timeoutMs`;
 * a call still unsettled a second after that counts as hung, so a lost call fails the test instead of
 * stalling it.
 */
export async function underLoad(
  count: number,
  concurrency: number,
  call: (i: number, signal: AbortSignal) => Promise<Outcome>,
  timeoutMs = 30_000,
): Promise<LoadReport> {
  let rightCount = 0
  const refused: Record<string, number> = {}
  const problems: string[] = []
  let next = 0
  const one = async (i: number): Promise<void> => {
    const controller = new AbortController()
    const abort = setTimeout(() => controller.abort(new Error(`call ${i} ran past ${timeoutMs} ms`)), timeoutMs)
    let hung: ReturnType<typeof setTimeout> | undefined
    const bound = new Promise<Outcome>(
      (resolve) => (hung = setTimeout(() => resolve({ problem: `call ${i} hung` }), timeoutMs + 1000)),
    )
    const outcome = await Promise.race([
      call(i, controller.signal).catch((error: unknown) => ({ problem: `call ${i} threw ${describe(error)}` })),
      bound,
    ])
    clearTimeout(abort)
    clearTimeout(hung)
    if ('right' in outcome) rightCount++
    else if ('refused' in outcome) refused[outcome.refused] = (refused[outcome.refused] ?? 0) + 1
    else problems.push(outcome.problem)
  }
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await one(next++)
    }),
  )
  return { right: rightCount, refused, problems }
}

/** The total of refusals of the given kinds (all kinds when none are named). */
export function refusedCount(report: LoadReport, ...kinds: string[]): number {
  return Object.entries(report.refused).reduce(
    (n, [kind, c]) => n + (kinds.length === 0 || kinds.includes(kind) ? c : 0),
    0,
  )
}

/**
 * Reads an HTTP answer: a 200 is checked by `check` (which says what is wrong, or nothing); an error
 * with tiffin's JSON body is a refusal named `<status> <code>`, and a 503 without Retry-After says so.
 */
export async function outcomeOf(response: Response, check: (body: unknown) => string | undefined): Promise<Outcome> {
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { problem: `${response.status} with a body that is not JSON: ${text.slice(0, 100)}` }
  }
  if (response.status === 200) {
    const wrong = check(body)
    return wrong === undefined ? right : { problem: `answered wrong: ${wrong}` }
  }
  const code = (body as { error?: unknown }).error
  if (typeof code !== 'string' || response.status === 500)
    return { problem: `${response.status} ${text.slice(0, 200)}` }
  const retry = response.status === 503 && !response.headers.get('retry-after') ? ' without Retry-After' : ''
  return { refused: `${response.status} ${code}${retry}` }
}

/** A failed call as an outcome: tiffin's errors (they carry a code and an HTTP status) are clear refusals. */
export function outcomeOfError(error: unknown): Outcome {
  const { status, code } = error as { status?: unknown; code?: unknown }
  if (typeof status === 'number' && typeof code === 'string' && status !== 500) return { refused: `${status} ${code}` }
  return { problem: describe(error) }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
