// npm run bench:gpu [-- --runs N --only node|chromium --models mlp,ocr-cls,… --software]
// The MLP test model and PaddleOCR's models at the batch sizes they are served at, on WebGPU against WASM
// and onnxruntime-node's CPU: in Chromium (onnxruntime-web, WebGPU where the machine has a GPU), and in
// Node through the `webgpu` package (Dawn), where a Vulkan driver lets it find an adapter. A machine with
// no GPU says so, and its row of the JSON line says why, exit code 0.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import * as ortNode from 'onnxruntime-node'
import { mlpModel } from '../test/fixtures/models.js'
import { runInChromium } from './lib/chromium.js'
import { GPU_CASES, timeCase, type GpuRow } from './lib/gpu-cases.js'
import { fmt, table } from './lib/stats.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    models: { type: 'string', default: GPU_CASES.map((c) => c.model).join(',') },
    software: { type: 'boolean', default: false },
  },
})
const runs = Number(values.runs)
const models = values.models!.split(',')
const cases = GPU_CASES.filter((c) => models.includes(c.model))
const log = (line: string) => process.stderr.write(`${line}\n`)
const bytesOf = async (file: string): Promise<Uint8Array> =>
  file ? new Uint8Array(await readFile(file)) : mlpModel().bytes

/** onnxruntime-node on the CPU: the baseline every other row is compared with. */
async function nodeCpu(): Promise<GpuRow[]> {
  const rows: GpuRow[] = []
  for (const c of cases) {
    const session = await ortNode.InferenceSession.create(await bytesOf(c.file))
    rows.push(...(await timeCase(ortNode as never, session as never, c, runs, 'node', 'cpu (onnxruntime-node)')))
    await session.release()
  }
  return rows
}

/** WebGPU in Node through Dawn: its rows, or why there are none. */
async function nodeWebgpu(): Promise<{ status: string; rows: GpuRow[] }> {
  let dawn: {
    create(flags: string[]): { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> }
    globals: object
  }
  try {
    dawn = (await import(/* @vite-ignore */ 'webgpu' as string)) as typeof dawn
  } catch {
    return {
      status: 'skipped: the webgpu package (Dawn for Node) is not installed; npm install --no-save webgpu',
      rows: [],
    }
  }
  Object.assign(globalThis, dawn.globals)
  const gpu = dawn.create([])
  const adapter = await gpu.requestAdapter()
  if (!adapter) return { status: 'no adapter: Dawn found no GPU (no Vulkan driver on this machine)', rows: [] }
  const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ') || 'unnamed'
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(globalThis.navigator ?? {}), gpu },
    configurable: true,
  })
  const ort = await import('onnxruntime-web/webgpu')
  const rows: GpuRow[] = []
  for (const c of cases) {
    try {
      const session = await ort.InferenceSession.create(await bytesOf(c.file), {
        executionProviders: ['webgpu'],
        preferredOutputLocation: 'cpu',
      })
      rows.push(...(await timeCase(ort as never, session as never, c, runs, 'node', 'webgpu (dawn)')))
      await session.release()
    } catch (error) {
      rows.push({
        env: 'node',
        backend: 'webgpu (dawn)',
        model: c.model,
        batch: c.batches[0]!,
        ms: NaN,
        error: (error as Error).message.slice(0, 160),
      })
    }
  }
  return { status: `adapter ${name}`, rows }
}

async function chromium(): Promise<{ status: string; rows: GpuRow[] }> {
  return runInChromium('/bench/pages/gpu.html', async (page) => {
    const probe = await page.evaluate(() => window.benchGpu(0, [], true))
    const software = probe.software && !values.software
    const result = await page.evaluate(([r, m, g]) => window.benchGpu(r, m, g), [runs, models, !software] as const)
    const status = !result.adapter
      ? 'no WebGPU adapter: WASM only'
      : software
        ? `software adapter (${result.adapter}): not a GPU, WebGPU skipped (--software runs it anyway)`
        : `adapter ${result.adapter}`
    return { status, rows: result.rows }
  })
}

const rows: GpuRow[] = []
const webgpu: Record<string, string> = {}
if (values.only !== 'chromium') {
  log('node: onnxruntime-node on the CPU…')
  rows.push(...(await nodeCpu()))
  const dawn = await nodeWebgpu()
  webgpu.node = dawn.status
  rows.push(...dawn.rows)
  log(`node webgpu: ${dawn.status}`)
}
if (values.only !== 'node') {
  log('chromium: onnxruntime-web…')
  const result = await chromium()
  webgpu.chromium = result.status
  rows.push(...result.rows)
  log(`chromium webgpu: ${result.status}`)
}

const cpuMs = (row: GpuRow): number | undefined =>
  rows.find((r) => r.backend.startsWith('cpu') && r.model === row.model && r.batch === row.batch)?.ms
console.log(
  table(
    ['env', 'backend', 'model', 'batch', 'ms/run', 'items/s', 'vs cpu'],
    rows.map((r) => {
      const cpu = cpuMs(r)
      return [
        r.env,
        r.backend,
        r.model,
        String(r.batch),
        r.error ? `error: ${r.error}` : fmt(r.ms, 2),
        fmt((r.batch * 1000) / r.ms, 0),
        cpu ? `${fmt(cpu / r.ms, 2)}×` : '–',
      ]
    }),
  ),
)
console.log(
  `WebGPU: ${Object.entries(webgpu)
    .map(([env, s]) => `${env}: ${s}`)
    .join('; ')}`,
)
console.log(
  JSON.stringify({
    bench: 'gpu',
    runs,
    webgpu,
    rows: rows.map((r) => ({ ...r, ms: Number.isFinite(r.ms) ? Math.round(r.ms * 1000) / 1000 : null })),
  }),
)
