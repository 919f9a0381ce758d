// 100,000 calls through a runner leave what it holds where it started: workers, Comlink proxies, calls
// in flight, ONNX sessions, and Node's own handles (timers, ports).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { onnxRunner } from '../../src/onnx/models.js'
import { liveCounts } from '../../src/runner/live-counts.js'
import type { Runner } from '../../src/runner/runner.js'
import { fileStore } from '../../src/store/fs.js'
import type { ModelStore } from '../../src/store/model-store.js'
import { linearModel } from '../fixtures/models.js'
import { linearLoad } from '../shared/linear-load.js'

const CALLS = 100_000
let home: string
let store: ModelStore

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tiffin-leaks-'))
  store = fileStore(home)
  await store.save('linear', linearModel().bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
})
afterAll(() => rm(home, { recursive: true, force: true }))

/** Node's handles by kind (timers, message ports, sockets…): what a forgotten timer or port would grow. */
function handles(): Record<string, number> {
  const kinds: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) kinds[kind] = (kinds[kind] ?? 0) + 1
  return kinds
}

/** Everything the runner and this thread hold, once the calls of a round have all settled. */
async function holdings(runner: Runner) {
  return { here: liveCounts(), runner: await runner.stats(), handles: handles() }
}

/**
 * The same holdings, Node's handles allowing for a timer or two that happen to be pending at one moment and
 * not the other (a batch deadline, a test timeout being cleared): a leak over 100,000 calls would be far more.
 */
function expectSameHoldings(
  after: Awaited<ReturnType<typeof holdings>>,
  before: Awaited<ReturnType<typeof holdings>>,
): void {
  expect({ ...after, handles: undefined }).toEqual({ ...before, handles: undefined })
  const kinds = new Set([...Object.keys(before.handles), ...Object.keys(after.handles)])
  const grown = [...kinds].filter(
    (kind) => (after.handles[kind] ?? 0) > (before.handles[kind] ?? 0) + (kind === 'Timeout' ? 2 : 0),
  )
  expect(grown.map((kind) => `${kind}: ${before.handles[kind] ?? 0} → ${after.handles[kind]}`)).toEqual([])
}

const load = (runner: Runner, count: number, first = 0) =>
  linearLoad((x, signal) => runner.run({ x } as never, { signal }) as never, count, 2000, first)

describe(`${CALLS.toLocaleString('en')} calls through a runner`, () => {
  it('on worker_threads leave workers, proxies, calls, sessions and handles as they were, and shutdown releases all', async () => {
    const before = liveCounts()
    const runner = onnxRunner('linear:latest', { workers: 2, maxBatchSize: 256 })
    await runner.init({ platform: nodePlatform, store })
    // A first round starts whatever is started once (ONNX Runtime's threads, the latency model).
    expect(await load(runner, 2000)).toEqual({ right: 2000, refused: {}, problems: [] })
    const started = await holdings(runner)
    expect(started.here).toEqual({ ...before, workers: before.workers + 2, proxies: before.proxies + 2 })
    expect(started.runner.threads.map((t) => t.counts)).toEqual(
      [0, 1].map(() => ({ workers: 0, proxies: 0, calls: 0, sessions: 1 })),
    )
    expect(started.runner).toMatchObject({ workers: { live: 2, restarts: 0 }, inFlight: 0, queued: 0 })

    expect(await load(runner, CALLS, 2000)).toEqual({ right: CALLS, refused: {}, problems: [] })
    expectSameHoldings(await holdings(runner), started)
    expect(runner.metrics()[0]!.items).toBe(CALLS + 2000)

    await runner.shutdown()
    expect(liveCounts()).toEqual(before)
  }, 120_000)

  it('in the calling thread (initLocal) hold one ONNX session, released at shutdown', async () => {
    const before = liveCounts()
    const runner = onnxRunner('linear:latest', { maxBatchSize: 256 })
    await runner.initLocal({ platform: nodePlatform, store })
    expect(await load(runner, 2000)).toEqual({ right: 2000, refused: {}, problems: [] })
    const started = await holdings(runner)
    expect(started.here).toEqual({ ...before, sessions: before.sessions + 1 })
    expect(await load(runner, CALLS, 2000)).toEqual({ right: CALLS, refused: {}, problems: [] })
    expectSameHoldings(await holdings(runner), started)
    await runner.shutdown()
    expect(liveCounts()).toEqual(before)
  }, 120_000)
})
