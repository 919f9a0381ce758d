import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { tensor, type Tensor } from '../../src/tensor/tensor.js'
import {
  allTestModels,
  batchAxis1Model,
  linearModel,
  mlpModel,
  twoInOutModel,
  type TestModel,
} from '../fixtures/models.js'

const SMALL_MLP = { inputSize: 12, width: 32, depth: 2, outputSize: 5, seed: 3 }

async function runOrt(model: TestModel, inputs: Record<string, Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(model.bytes)
  try {
    const feeds = Object.fromEntries(
      Object.entries(inputs).map(([name, t]) => [name, new ort.Tensor(t.dtype, t.data, [...t.dims])]),
    )
    return await session.run(feeds)
  } finally {
    await session.release()
  }
}

/** Float outputs within abs 1e-4 + rel 1e-4 of the reference; int64 outputs exactly equal. */
function expectMatches(actual: Record<string, ort.Tensor>, expected: Record<string, Tensor>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name]!
    expect(got.type, name).toBe(want.dtype)
    expect(got.dims, name).toEqual(want.dims)
    if (want.dtype === 'int64') {
      expect(got.data, name).toEqual(want.data)
      continue
    }
    const g = got.data as Float32Array
    const w = want.data as Float32Array
    expect(g.length, name).toBe(w.length)
    const bad = Array.from(w.keys()).filter((i) => !(Math.abs(g[i]! - w[i]!) <= 1e-4 + 1e-4 * Math.abs(w[i]!)))
    expect(bad.slice(0, 5).map((i) => `${name}[${i}]: got ${g[i]}, want ${w[i]}`)).toEqual([])
  }
}

/** A copy of a float32 or int64 tensor with its first element shifted. */
function perturbFirst(t: Tensor): Tensor {
  if (t.dtype === 'int64') {
    const data = (t.data as BigInt64Array).slice()
    data[0] = data[0]! + 1n
    return tensor('int64', t.dims, data)
  }
  const data = (t.data as Float32Array).slice()
  data[0] = data[0]! + 0.5
  return tensor('float32', t.dims, data)
}

function maxAbs(t: Tensor): number {
  return Array.from(t.data as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0)
}

const cases: [string, () => TestModel][] = [
  ['linear', linearModel],
  ['mlp (small config)', () => mlpModel(SMALL_MLP)],
  ['two-in-out', twoInOutModel],
  ['batch-axis-1', batchAxis1Model],
]

describe.each(cases)('%s', (_, build) => {
  const model = build()

  it.each([1, 5])('matches onnxruntime-node at batch %i', async (batch) => {
    const inputs = model.sampleInputs(batch)
    for (const [name, t] of Object.entries(inputs)) expect(t.dims[model.batchDim], name).toBe(batch)
    expectMatches(await runOrt(model, inputs), model.reference(inputs))
  })

  it('serializes to identical bytes when built twice', () => {
    expect(Buffer.from(build().bytes).equals(Buffer.from(model.bytes))).toBe(true)
  })

  it('gives seeded, deterministic sample inputs', () => {
    expect(model.sampleInputs(4, 11)).toEqual(model.sampleInputs(4, 11))
    expect(model.sampleInputs(4, 11)).not.toEqual(model.sampleInputs(4, 12))
  })

  it('has a reference that depends on every input', () => {
    const base = model.sampleInputs(2)
    const expected = model.reference(base)
    for (const name of Object.keys(model.inputs)) {
      const t = base[name]!
      const perturbed = model.reference({ ...base, [name]: perturbFirst(t) })
      expect(perturbed, `perturbing ${name}`).not.toEqual(expected)
    }
  })

  it('declares outputs that the reference produces', () => {
    const out = model.reference(model.sampleInputs(2))
    for (const [name, { dtype, dims }] of Object.entries(model.outputs)) {
      expect(out[name]?.dtype, name).toBe(dtype)
      expect(out[name]?.dims.length, name).toBe(dims.length)
    }
  })
})

describe('mlp (default config: 256 → 3×1024 → 16)', () => {
  const model = mlpModel()

  it('declares its sizes and matches onnxruntime-node at batch 3', async () => {
    expect(model.inputs).toEqual({ x: { dtype: 'float32', dims: ['N', 256] } })
    expect(model.outputs).toEqual({ y: { dtype: 'float32', dims: ['N', 16] } })
    const inputs = model.sampleInputs(3)
    const expected = model.reference(inputs)
    // Scaled weights keep outputs in a range where the tolerance is meaningful (neither exploding nor ~0).
    expect(maxAbs(expected.y!)).toBeGreaterThan(0.05)
    expect(maxAbs(expected.y!)).toBeLessThan(100)
    expectMatches(await runOrt(model, inputs), expected)
  })

  it('computes a batch-64 reference in well under a second', () => {
    const inputs = model.sampleInputs(64)
    const start = performance.now()
    model.reference(inputs)
    expect(performance.now() - start).toBeLessThan(1000)
  })

  it('gets different weights from a different seed', () => {
    const other = mlpModel({ ...SMALL_MLP, seed: 4 })
    expect(Buffer.from(other.bytes).equals(Buffer.from(mlpModel(SMALL_MLP).bytes))).toBe(false)
  })
})

describe('two-in-out int64 exactness', () => {
  it('keeps count exact beyond 2^53', async () => {
    const model = twoInOutModel()
    const big = 2n ** 60n + 12345n // b·3 + 1 stays below 2^63, yet is far beyond float64's exact range
    const inputs = {
      a: model.sampleInputs(2).a!,
      b: tensor('int64', [2, 2], BigInt64Array.of(big, -big, 7n, -big + 1n)),
    }
    const expected = model.reference(inputs)
    expect(expected.count!.data).toEqual(BigInt64Array.of(3n * big + 1n, -3n * big + 1n, 22n, -3n * big + 4n))
    expectMatches(await runOrt(model, inputs), expected)
  })
})

describe('the reference checks its inputs', () => {
  it('rejects a wrong dtype or feature size', () => {
    const model = linearModel()
    expect(() => model.reference({ x: tensor('float32', [1, 5], new Float32Array(5)) })).toThrow(/must be float32/)
    expect(() => model.reference({ x: tensor('float64', [1, 4], new Float64Array(4)) })).toThrow(/must be float32/)
    expect(() => model.reference({})).toThrow(/missing input "x"/)
  })
})

describe('allTestModels', () => {
  it('lists the four models with tag-safe names', () => {
    const models = allTestModels()
    expect(models.map((m) => m.name)).toEqual(['linear', 'mlp', 'two-in-out', 'batch-axis-1'])
    for (const m of models) expect(m.name).toMatch(/^[a-z0-9-]+$/)
    expect(models.map((m) => m.batchDim)).toEqual([0, 0, 0, 1])
  })
})

describe('write-models.ts', () => {
  const script = join(import.meta.dirname, '../fixtures/write-models.ts')
  const run = promisify(execFile)

  it('writes the four .onnx files into a new directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiffin-models-'))
    try {
      const out = join(dir, 'nested', 'models')
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script, out])
      expect(readdirSync(out).sort()).toEqual(['batch-axis-1.onnx', 'linear.onnx', 'mlp.onnx', 'two-in-out.onnx'])
      expect(stdout.trim().split('\n')).toHaveLength(4)
      expect(new Uint8Array(readFileSync(join(out, 'linear.onnx')))).toEqual(linearModel().bytes)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('exits 2 with a one-line usage error when no directory is given', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', script]).then(
      () => null,
      (e: { code?: number; stderr?: string }) => e,
    )
    expect(failure?.code).toBe(2)
    expect(failure?.stderr?.trim().split('\n')).toHaveLength(1)
    expect(failure?.stderr).toMatch(/^usage:/)
  })
})
