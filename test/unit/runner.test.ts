import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nodePlatform } from '../../src/adapters/node/platform.js'
import { BadInput, Timeout, WorkerLost } from '../../src/errors.js'
import { Runner } from '../../src/runner/runner.js'
import { fileStore } from '../../src/store/fs.js'
import scale from '../fixtures/runnables/scale.js'

const started: Runner[] = []
function runner(
  options: ConstructorParameters<typeof Runner<Parameters<typeof scale.setup>[0]['params'], never>>[1] & object = {},
) {
  const r = new Runner(scale, { platform: nodePlatform, runnableInitParams: { factor: 2 }, workers: 2, ...options })
  started.push(r as Runner)
  return r
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.shutdown()))
})

describe('runners over worker_threads', () => {
  it('one custom runnable backs two runners with different names and init params', async () => {
    const double = runner({ name: 'double', runnableInitParams: { factor: 2 } })
    const triple = runner({ name: 'triple', runnableInitParams: { factor: 3 } })
    await Promise.all([double.init(), triple.init()])
    expect(await double.methods.scale.run([1, 2, 3])).toEqual([2, 4, 6])
    expect(await triple.methods.scale.run([1, 2, 3])).toEqual([3, 6, 9])
    expect(Array.from(await triple.methods.scaleTensor.run(new Float32Array([1.5, -2])))).toEqual([4.5, -6])
    expect(double.placement).toMatchObject({ resource: 'cpu', workers: 2 })
  })

  it('spreads concurrent calls over every worker', async () => {
    const r = runner({ workers: 2 })
    await r.init()
    const answers = await Promise.all(Array.from({ length: 40 }, () => r.methods.whoami.run(null)))
    expect(new Set(answers.map((a) => a.thread)).size).toBe(2)
    expect(answers.every((a) => a.thread.startsWith('node-'))).toBe(true)
  })

  it('a worker killed in the middle of a call rejects it, naming runner and method, and is replaced', async () => {
    const r = runner({ name: 'fragile', workers: 1, timeoutMs: 10_000 })
    await r.init()
    const t0 = Date.now()
    const error = await r.methods.crash.run({ after: 50 }).catch((e: unknown) => e as Error)
    expect(error).toBeInstanceOf(WorkerLost)
    expect(error.message).toMatch(/Runner "fragile": worker 0 exited with code 3 while running "crash"/)
    expect(Date.now() - t0).toBeLessThan(10_000)
    expect(await r.methods.scale.run([5])).toEqual([10])
    expect(r.workers).toEqual({ live: 1, restarts: 1, setupFailures: 0 })
  })

  it('a call that overruns its timeout rejects, and its worker is replaced', async () => {
    const r = runner({ name: 'slow', workers: 1, timeoutMs: 300 })
    await r.init()
    await expect(r.methods.hang.run(null)).rejects.toThrow(Timeout)
    await expect(r.methods.hang.run(null)).rejects.toThrow(/Runner "slow": "hang" did not finish within 300 ms/)
    expect(await r.methods.scale.run([1])).toEqual([2])
    expect(r.workers.restarts).toBeGreaterThanOrEqual(1)
  })

  it('errors keep their kind across the worker boundary', async () => {
    const r = runner({ workers: 1 })
    await r.init()
    const error = await r.methods.reject.run('no').catch((e: unknown) => e as Error)
    expect(error).toBeInstanceOf(BadInput)
    expect(error.message).toBe('scale refuses: no')
    expect(error.stack ?? '').not.toMatch(/fixtures\/runnables/) // the worker's stack stays in the worker
  })

  it('a setup that throws makes init() reject with the runner and the cause', async () => {
    const r = runner({ name: 'broken', runnableInitParams: { factor: 1, failSetup: 'missing vocabulary' } })
    await expect(r.init()).rejects.toThrow(/Runner "broken" failed to start: missing vocabulary/)
    expect(r.state).toBe('failed')
    await expect(r.methods.scale.run([1])).rejects.toThrow(
      /Runner "broken" failed to start: missing vocabulary; it cannot run "scale"/,
    )
  })

  it('a setup that overruns its time fails init()', async () => {
    const r = runner({
      name: 'sleepy',
      workers: 1,
      setupTimeoutMs: 300,
      runnableInitParams: { factor: 1, setupDelayMs: 5_000 },
    })
    await expect(r.init()).rejects.toThrow(/Runner "sleepy" failed to start: .*"setup" did not finish within 300 ms/)
  })

  it('a model missing from the store fails init() with the tag named', async () => {
    const store = fileStore(await mkdtemp(join(tmpdir(), 'tiffin-runner-')))
    const r = runner({ name: 'needs-model', models: ['nope:latest'], store })
    await expect(r.init()).rejects.toThrow(
      /Runner "needs-model" cannot load model "nope:latest": No model named "nope"/,
    )
  })

  it('an AbortSignal rejects the call at once', async () => {
    const r = runner({ workers: 1 })
    await r.init()
    const controller = new AbortController()
    const pending = r.methods.hang.run(null, { signal: controller.signal })
    controller.abort(new Error('client went away'))
    await expect(pending).rejects.toThrow('client went away')
    await expect(r.methods.scale.run([1], { signal: AbortSignal.abort() })).rejects.toThrow()
  })

  it('initLocal runs the runnable in the calling thread', async () => {
    ;(globalThis as { TIFFIN_TEST_MARKER?: string }).TIFFIN_TEST_MARKER = 'the test thread'
    const local = runner({ name: 'local' })
    const pooled = runner({ name: 'pooled', workers: 1 })
    await Promise.all([local.initLocal(), pooled.init()])
    expect((await local.methods.whoami.run(null)).marker).toBe('the test thread')
    expect((await pooled.methods.whoami.run(null)).marker).toBeNull()
    const r = local
    expect(await r.methods.scale.run([4])).toEqual([8])
    expect(r.workers.live).toBe(1)
    expect(r.placement?.workers).toBe(1)
  })

  it('refuses a second start while one is under way, and a shutdown during the start wins', async () => {
    const r = runner({ name: 'twice', workers: 1, runnableInitParams: { factor: 1, setupDelayMs: 300 } })
    const first = r.init()
    await expect(r.init()).rejects.toThrow(/Runner "twice" is already starting/)
    await r.shutdown()
    await first
    expect(r.state).toBe('stopped')
    expect(r.workers.live).toBe(0)
    await expect(r.methods.scale.run([1])).rejects.toThrow(/it is stopped/)
  })

  it('shutdown runs what each runnable registered with onShutdown, in every worker, before stopping it', async () => {
    const shutdowns = new Int32Array(new SharedArrayBuffer(4))
    const r = runner({ workers: 2, runnableInitParams: { factor: 1, shutdowns } })
    await r.init()
    expect(Atomics.load(shutdowns, 0)).toBe(0)
    await r.shutdown()
    expect(Atomics.load(shutdowns, 0)).toBe(2)
  })

  it('run() calls the only method, and refuses when there are several', async () => {
    const r = runner()
    expect(() => r.run(null as never)).toThrow(/has methods scale, scaleTensor/)
  })
})
