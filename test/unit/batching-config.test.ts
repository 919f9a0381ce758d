import { describe, expect, it } from 'vitest'
import { BATCHING_DEFAULTS, resolveBatching } from '../../src/batching/config.js'
import { decide, estimateCompletion, type PolicyState } from '../../src/batching/policy.js'
import { LatencyModel } from '../../src/batching/latency-model.js'
import { Runner } from '../../src/runner/runner.js'
import { Service } from '../../src/service/service.js'
import scale from '../fixtures/runnables/scale.js'

describe('batching settings', () => {
  it('come from the method, then the runner, then the service, then the defaults', () => {
    const method = { batchable: true, maxBatchSize: 8 }
    const runner = { maxBatchSize: 16, maxLatencyMs: 50 }
    const service = { maxBatchSize: 32, maxLatencyMs: 70, maxQueueItems: 100, enabled: true }
    expect(resolveBatching('r', 'm', method, runner, service)).toMatchObject({
      maxBatchSize: 8,
      maxLatencyMs: 50,
      maxQueueItems: 100,
    })
    expect(resolveBatching('r', 'm', { batchable: true }, {}, service)).toMatchObject({
      maxBatchSize: 32,
      maxLatencyMs: 70,
    })
    expect(resolveBatching('r', 'm', { batchable: true }, {}, {})).toMatchObject({
      ...BATCHING_DEFAULTS,
      batchable: true,
    })
    expect(resolveBatching('r', 'm', { batchable: true, batchDim: [1, 0] }, {})).toMatchObject({
      inputAxis: 1,
      outputAxis: 0,
    })
  })

  it('a runner layers its methodConfigs over the runnable, and the service config under its options', () => {
    const runner = new Runner(scale, { maxLatencyMs: 40, methodConfigs: { scale: { maxBatchSize: 4 } } })
    const service = { maxBatchSize: 99, maxLatencyMs: 99, maxQueueItems: 7 }
    expect(runner.batchingConfig('scale', [{ source: 'service config', config: { batching: service } }])).toMatchObject(
      {
        batchable: true,
        maxBatchSize: 4,
        maxLatencyMs: 40,
        maxQueueItems: 7,
      },
    )
    const off = new Runner(scale, { batching: false })
    expect(off.batchingConfig('scale').enabled).toBe(false)
  })

  it('refuse nonsense with the setting named', () => {
    expect(() => resolveBatching('r', 'm', { batchable: true }, { maxBatchSize: 0 })).toThrow(
      /Runner "r", method "m": maxBatchSize must be a whole number of at least 1/,
    )
    expect(() => resolveBatching('r', 'm', { batchable: true }, { maxLatencyMs: -1 })).toThrow(
      /maxLatencyMs must be above 0/,
    )
  })

  it('runner names are unique within a service', () => {
    const a = new Runner(scale, { name: 'twice', runnableInitParams: { factor: 1 } })
    const b = new Runner(scale, { name: 'twice', runnableInitParams: { factor: 2 } })
    expect(() => new Service('svc', { runners: [a, b] })).toThrow(/Service "svc" has two runners named "twice"/)
    expect(() => new Service('svc', { runners: [a], config: { runners: { nope: {} } } })).toThrow(
      /configures runner "nope", which it does not have/,
    )
    const methods = { twice: { batching: { methods: { predict: { maxBatchSize: 2 } } } } }
    expect(() => new Service('svc', { runners: [a], config: { runners: methods } })).toThrow(
      /configures method "predict" of runner "twice", which it does not have/,
    )
  })
})

describe('the dispatch policy', () => {
  const calibrated = (a: number, b: number) => ({ calibrated: true, predict: (n: number) => a * n + b })
  const base: PolicyState = {
    now: 100,
    queuedItems: 4,
    maxBatchSize: 64,
    oldestDeadline: 1_100,
    lastArrival: 100,
    arrivalRate: 0,
    typicalGapMs: 0.1,
    workers: 1,
    outstanding: 4,
    earlierPeak: 0,
    model: calibrated(0.1, 5),
  }

  it('sends a full batch at once', () =>
    expect(decide({ ...base, queuedItems: 70 })).toMatchObject({ action: 'dispatch', items: 64, why: 'full' }))
  it('sends at once while it is still learning how long batches take', () =>
    expect(decide({ ...base, model: { calibrated: false, predict: () => 0 } })).toMatchObject({
      action: 'dispatch',
      why: 'learning',
    }))
  it('sends at once at low load', () =>
    expect(decide({ ...base, arrivalRate: 0.1 })).toMatchObject({ action: 'dispatch', why: 'keeps up' }))
  it('waits under heavy load, until arrivals pause', () => {
    expect(decide({ ...base, arrivalRate: 10 })).toEqual({ action: 'wait', until: 101 })
    expect(decide({ ...base, arrivalRate: 10, now: 101 })).toMatchObject({ action: 'dispatch', why: 'arrivals paused' })
  })
  it('sends when every recent caller is waiting, but not while a burst climbs past every earlier level', () => {
    expect(decide({ ...base, arrivalRate: 10, earlierPeak: 4 })).toMatchObject({
      action: 'dispatch',
      why: 'every caller is waiting',
    })
    expect(decide({ ...base, arrivalRate: 10, earlierPeak: 3 })).toMatchObject({ action: 'wait' })
  })
  it('sends before the oldest call would miss its deadline', () => {
    const latestStart = base.oldestDeadline - (0.1 * 64 + 5)
    expect(decide({ ...base, arrivalRate: 10, typicalGapMs: 1_000, now: latestStart - 1 })).toEqual({
      action: 'wait',
      until: latestStart,
    })
    expect(decide({ ...base, arrivalRate: 10, typicalGapMs: 1_000, now: latestStart })).toMatchObject({
      action: 'dispatch',
      why: 'deadline',
    })
  })
  it('estimates when a new call would finish from the work ahead and the workers', () => {
    const predict = (n: number) => n + 10
    expect(estimateCompletion(0, 0, 1, 8, [0], predict)).toBe(11)
    expect(estimateCompletion(0, 16, 1, 8, [5], predict)).toBe(5 + 2 * 18 + 11)
    expect(estimateCompletion(0, 16, 1, 8, [5, 0], predict)).toBe(0 + 18 + 11)
  })
})

describe('the latency model', () => {
  it('fits a·n + b by least squares over recent batches', () => {
    const model = new LatencyModel()
    expect(model.calibrated).toBe(false)
    for (const n of [1, 8, 16, 32, 64]) model.observe(n, 0.25 * n + 3)
    expect(model.calibrated).toBe(true)
    const { a, b } = model.coefficients()
    expect(a).toBeCloseTo(0.25, 9)
    expect(b).toBeCloseTo(3, 9)
    expect(model.predict(100)).toBeCloseTo(28, 9)
  })
  it('splits the time between fixed and per-item cost while it has seen one batch size only', () => {
    const model = new LatencyModel()
    for (let i = 0; i < 3; i++) model.observe(4, 8)
    expect(model.coefficients()).toEqual({ a: 1, b: 4 })
  })
})
