// The GPU benchmark in Chromium: each case on onnxruntime-web's WebGPU and WASM, in this page.
import * as ort from 'onnxruntime-web'
import { mlpModel } from '../../test/fixtures/models.js'
import { GPU_CASES, timeCase, type GpuRow } from '../lib/gpu-cases.js'

interface AdapterLike {
  readonly info?: {
    readonly vendor?: string
    readonly architecture?: string
    readonly description?: string
    readonly isFallbackAdapter?: boolean
  }
  readonly isFallbackAdapter?: boolean
}

async function adapter(): Promise<{ name: string; software: boolean } | undefined> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } }).gpu
  const found = await gpu?.requestAdapter()
  if (!found) return undefined
  const name =
    [found.info?.vendor, found.info?.architecture, found.info?.description].filter(Boolean).join(' ') || 'unnamed'
  return {
    name,
    software: Boolean(found.info?.isFallbackAdapter ?? found.isFallbackAdapter) || /swiftshader/i.test(name),
  }
}

async function benchGpu(
  runs: number,
  models: readonly string[],
  withGpu: boolean,
): Promise<{ adapter: string | undefined; software: boolean; rows: GpuRow[] }> {
  const found = await adapter()
  ort.env.wasm.numThreads = Math.max(1, Math.min(navigator.hardwareConcurrency, 8))
  const rows: GpuRow[] = []
  for (const c of GPU_CASES.filter((c) => models.includes(c.model))) {
    const bytes = c.file ? new Uint8Array(await (await fetch(`/${c.file}`)).arrayBuffer()) : mlpModel().bytes
    for (const backend of withGpu && found ? ['webgpu', 'wasm'] : ['wasm']) {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [backend],
        preferredOutputLocation: 'cpu',
      })
      rows.push(...(await timeCase(ort, session, c, runs, 'chromium', backend)))
      await session.release()
    }
  }
  return { adapter: found?.name, software: found?.software ?? false, rows }
}

declare global {
  interface Window {
    benchGpu: typeof benchGpu
    benchReady: boolean
  }
}
window.benchGpu = benchGpu
window.benchReady = true
