// Runners over real Web Workers, driven by runner.spec.ts.
import { browserPlatform } from '../../../src/adapters/browser/platform.js'
import { Runner } from '../../../src/runner/runner.js'
import scale from '../../fixtures/runnables/scale.js'

const outcome = async (work: Promise<unknown>): Promise<{ ok: unknown } | { error: string; name: string }> => {
  try {
    return { ok: await work }
  } catch (error) {
    return { error: (error as Error).message, name: (error as Error).constructor.name }
  }
}

interface ChannelResult {
  calls: number
  wrong: number
  echoedSame: boolean
  undefinedKept: boolean
  long: number[]
  crashed: string
  crashMs: number
  afterCrash: unknown
  /** The runner's placement reason, which ends with how calls travel when shared memory was asked for. */
  travel: string
}

const api = {
  async twoRunners() {
    const double = new Runner(scale, {
      name: 'double',
      platform: browserPlatform,
      runnableInitParams: { factor: 2 },
      workers: 2,
    })
    const triple = new Runner(scale, {
      name: 'triple',
      platform: browserPlatform,
      runnableInitParams: { factor: 3 },
      workers: 2,
    })
    await Promise.all([double.init(), triple.init()])
    const answers = await Promise.all(Array.from({ length: 30 }, () => double.methods.whoami.run(null)))
    const result = {
      doubled: await double.methods.scale.run([1, 2, 3]),
      tripled: Array.from(await triple.methods.scaleTensor.run(new Float32Array([1, -2]))),
      threads: [...new Set(answers.map((a) => a.thread))],
      placement: double.placement,
    }
    await Promise.all([double.shutdown(), triple.shutdown()])
    return result
  },
  async faults() {
    const r = new Runner(scale, {
      name: 'fragile',
      platform: browserPlatform,
      runnableInitParams: { factor: 2 },
      workers: 1,
      timeoutMs: 1_500,
    })
    await r.init()
    const started = performance.now()
    const crashed = await outcome(r.methods.crash.run({ after: 20 }))
    const crashMs = performance.now() - started
    const after = await outcome(r.methods.scale.run([5]))
    const hung = await outcome(r.methods.hang.run(null))
    const afterHang = await outcome(r.methods.scale.run([6]))
    const refused = await outcome(r.methods.reject.run('nope'))
    const workers = r.workers
    await r.shutdown()
    return { crashed, crashMs, after, hung, afterHang, refused, workers }
  },
  /** The same calls through shared memory and by message: the answers each caller gets, and how calls went. */
  async channels() {
    const results: Record<string, unknown> = { isolated: crossOriginIsolated }
    for (const [way, sharedMemory] of [
      ['shared', true],
      ['message', false],
    ] as const) {
      const r = new Runner(scale, {
        name: `channel-${way}`,
        platform: browserPlatform,
        sharedMemory,
        runnableInitParams: { factor: 2 },
        workers: 2,
        maxBatchSize: 1 << 20,
        maxQueueItems: 1 << 24,
      })
      await r.init()
      let seed = 11
      const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
      let wrong = 0
      let calls = 0
      for (let round = 0; round < 5; round++) {
        const sizes = Array.from({ length: 1 + Math.floor(next() * 32) }, () =>
          next() < 0.15 ? 100_000 + Math.floor(next() * 100_000) : 1 + Math.floor(next() * 2000),
        )
        const inputs = sizes.map((n, caller) => Float32Array.from({ length: n }, (_, i) => caller * 1e6 + i))
        const outputs = await Promise.all(inputs.map((x) => r.methods.scaleTensor.run(x)))
        outputs.forEach((y, caller) => {
          calls++
          const x = inputs[caller]!
          if (y.length !== x.length || y[0] !== x[0]! * 2 || y.at(-1) !== x.at(-1)! * 2) wrong++
        })
      }
      const plain = { text: 'päper ✓', list: [1, [2, { three: null }]], ints: Int32Array.of(-1, 2) }
      const echoed = await r.methods.echo.run(plain)
      const marked = (await r.methods.echo.run({ gone: undefined, kept: 1 })) as Record<string, unknown>
      const long = await r.methods.fill.run({ length: 500_000, value: 3 })
      const crashStarted = performance.now()
      const crashed = await outcome(r.methods.crash.run({ after: 20 }))
      const crashMs = performance.now() - crashStarted
      const afterCrash = await outcome(r.methods.scale.run([4]))
      results[way] = {
        calls,
        wrong,
        echoedSame: JSON.stringify(echoed) === JSON.stringify(plain) && echoed instanceof Object,
        undefinedKept: 'gone' in marked,
        long: [long.length, long[499_999]],
        crashed: 'name' in crashed ? crashed.name : 'answered',
        crashMs,
        afterCrash,
        travel: r.placement!.reason,
      }
      await r.shutdown()
    }
    return results as { isolated: boolean; shared: ChannelResult; message: ChannelResult }
  },
  async brokenSetup() {
    const r = new Runner(scale, {
      name: 'broken',
      platform: browserPlatform,
      runnableInitParams: { factor: 1, failSetup: 'no weights' },
    })
    return { init: await outcome(r.init()), state: r.state }
  },
}

declare global {
  interface Window {
    runnerTest: typeof api
  }
}
window.runnerTest = api
