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
