// The checked warm-up: before a runner serves on WebGPU, the model runs on probe inputs on WebGPU and on
// WASM, and WebGPU is kept only when its outputs agree and it is not slower. WebGPU kernels that give wrong
// answers on some models and GPUs exist, and a software adapter is many times slower than WASM.
import type { DType, Tensor } from '../tensor/tensor.js'
import { allocate, elementCount } from '../tensor/tensor.js'
import type { IoSpec } from './feeds.js'
import type { OnnxSession } from './session.js'

export interface CheckResult {
  readonly resource: 'webgpu' | 'wasm'
  readonly reason: string
  /** Batch sizes WebGPU ran at (its shaders are compiled for them): the warm-up already done. */
  readonly warmed: readonly number[]
}

/**
 * How far WebGPU's outputs may be from WASM's: |webgpu − wasm| ≤ ATOL + RTOL·|wasm| for float tensors (the
 * two run different kernels and sum in different orders), exact for integers and booleans. A NaN or an
 * infinity where WASM has a finite value is always a failure.
 */
export const TOLERANCE = { rtol: 1e-3, atol: 1e-4 } as const

/** WebGPU is kept when its time is at most this much WASM's (measured on a second run at each shape). */
const SLOWER = 1

/** Free dimensions other than the batch axis, in probes: small, yet large enough for convolutions and pooling. */
const PROBE_DIM = 32

/** Seeded inputs of `batch` items: random floats in [-1, 1]; integers and booleans zero (valid indexes). */
export function probeFeeds(
  inputs: readonly IoSpec[],
  batched: ReadonlyMap<string, number>,
  batch: number,
  seed: number,
): Record<string, Tensor> | undefined {
  let state = seed >>> 0 || 1
  const random = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1
  const feeds: Record<string, Tensor> = {}
  for (const spec of inputs) {
    if (!spec.dims) return undefined
    const axis = batched.get(spec.name)
    const dims = spec.dims.map((d, i) => (typeof d === 'number' ? d : i === axis ? batch : PROBE_DIM))
    const data = allocate(spec.dtype, elementCount(dims))
    if (spec.dtype === 'float32' || spec.dtype === 'float64')
      for (let i = 0; i < data.length; i++) (data as Float32Array)[i] = random()
    feeds[spec.name] = { dtype: spec.dtype, dims, data }
  }
  return feeds
}

/** The largest difference between two runs' outputs beyond the tolerance, or undefined when they agree. */
export function outputsDiffer(got: Record<string, Tensor>, expected: Record<string, Tensor>): string | undefined {
  for (const [name, want] of Object.entries(expected)) {
    const have = got[name]
    if (!have || have.dims.join() !== want.dims.join())
      return `output "${name}" has dims [${have?.dims ?? '?'}], not [${want.dims}]`
    let worst = 0
    for (let i = 0; i < want.data.length; i++) {
      const a = scalar(have.dtype, have.data, i)
      const b = scalar(want.dtype, want.data, i)
      if (Number.isNaN(b) ? !Number.isNaN(a) : !Number.isFinite(a) && Number.isFinite(b))
        return `output "${name}" holds ${a} where WASM has ${b}`
      const off = Math.abs(a - b)
      const allowed = isFloat(want.dtype) ? TOLERANCE.atol + TOLERANCE.rtol * Math.abs(b) : 0
      if (off > allowed) worst = Math.max(worst, off)
    }
    if (worst > 0) return `outputs off by ${worst.toPrecision(2)} in "${name}"`
  }
  return undefined
}

const isFloat = (dtype: DType): boolean => dtype === 'float32' || dtype === 'float64' || dtype === 'float16'

function scalar(dtype: DType, data: Tensor['data'], i: number): number {
  const value = data[i]!
  return dtype === 'float16' ? halfToFloat(value as number) : Number(value)
}

function halfToFloat(bits: number): number {
  const exponent = (bits >> 10) & 0x1f
  const fraction = bits & 0x3ff
  const sign = bits & 0x8000 ? -1 : 1
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024)
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024)
}

type Timed = { outputs: Record<string, Tensor>; ms: number }

/** The run's outputs and time. */
async function timed(run: () => Promise<Record<string, Tensor>>): Promise<Timed> {
  const started = performance.now()
  const outputs = await run()
  return { outputs, ms: performance.now() - started }
}

/** What `work` gives, or `undefined` when it has not finished `ms` from now (it goes on). */
export async function beforeDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: Parameters<typeof clearTimeout>[0]
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms))
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

/** A timed run, or `undefined` when it has not finished `ms` from now (its session is released after it). */
const within = (run: () => Promise<Record<string, Tensor>>, ms: number) => beforeDeadline(timed(run), ms)

/**
 * Runs each probe on WASM, then twice on WebGPU (the first run compiles its shaders), and stops at the first
 * wrong output, at WebGPU slower than WASM, or at the budget (which began at `startedAt`, when the WebGPU
 * session began to open); decides on what it saw.
 */
export async function checkWebgpu(
  webgpu: OnnxSession,
  wasm: OnnxSession,
  probes: readonly { readonly batch: number; readonly feeds: Record<string, Tensor> }[],
  budgetMs: number,
  startedAt = performance.now(),
): Promise<CheckResult> {
  const deadline = startedAt + budgetMs
  const left = (): number => deadline - performance.now()
  const warmed: number[] = []
  let gpuMs = 0
  let wasmMs = 0
  const wasmChosen = (reason: string): CheckResult => ({ resource: 'wasm', reason, warmed })
  for (const [index, { batch, feeds }] of probes.entries()) {
    const where = `at probe ${index + 1} (batch ${batch})`
    const reference = await timed(() => wasm.run(feeds)).catch((error: unknown) => error as Error)
    if (reference instanceof Error) return wasmChosen(`the check could not run ${where} on wasm (${reference.message})`)
    const first = await within(() => webgpu.run(feeds), left()).catch((error: unknown) => error as Error)
    if (first instanceof Error) return wasmChosen(`webgpu failed ${where}: ${first.message}`)
    if (!first)
      return wasmChosen(
        `webgpu did not finish ${where} within the check's ${budgetMs} ms budget (wasm took ${Math.round(reference.ms)} ms)`,
      )
    warmed.push(batch)
    const wrong = outputsDiffer(first.outputs, reference.outputs)
    if (wrong) return wasmChosen(`webgpu ${wrong} ${where}`)
    const second = await within(() => webgpu.run(feeds), left()).catch(() => undefined)
    if (!second) return wasmChosen(`webgpu did not finish ${where} within the check's ${budgetMs} ms budget`)
    gpuMs += second.ms
    wasmMs += reference.ms
    const ratio = gpuMs / Math.max(wasmMs, 1e-3)
    if (ratio > SLOWER)
      return wasmChosen(`webgpu is ${ratio.toFixed(ratio < 10 ? 1 : 0)}x slower than wasm on this adapter ${where}`)
    if (left() <= 0) break
  }
  const probesRun = warmed.length
  if (probesRun === 0) return wasmChosen('no probe could be made (the model does not declare its input shapes)')
  const speedup = wasmMs / Math.max(gpuMs, 1e-3)
  const stopped =
    probesRun < probes.length ? `, ${probesRun} of ${probes.length} probes within the ${budgetMs} ms budget` : ''
  return {
    resource: 'webgpu',
    reason: `webgpu agrees with wasm and is ${speedup.toFixed(1)}x as fast${stopped}`,
    warmed,
  }
}
