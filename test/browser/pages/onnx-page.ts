// PROBE
import { linearModel } from '../../fixtures/models.js'
const api = {
  async probe(which: string, ep: string, threads: number): Promise<string> {
    const log: string[] = []
    try {
      const ort = which === 'webgpu' ? await import('onnxruntime-web/webgpu') : which === 'wasm' ? await import('onnxruntime-web/wasm') : await import('onnxruntime-web')
      ort.env.wasm.numThreads = threads
      const m = linearModel()
      const t0 = performance.now()
      const s = await ort.InferenceSession.create(m.bytes, { executionProviders: [ep] })
      log.push(`create ${(performance.now() - t0).toFixed(0)}ms`)
      const x = m.sampleInputs(2).x!
      const t1 = performance.now()
      const out = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims) })
      log.push(`run ${(performance.now() - t1).toFixed(0)}ms`)
      const ref = m.reference({ x }).y!
      log.push(`y ${Array.from(out.y!.data as Float32Array).slice(0, 3)} ref ${Array.from(ref.data as Float32Array).slice(0, 3)}`)
      log.push(`threads ${ort.env.wasm.numThreads} coi ${crossOriginIsolated}`)
      log.push(JSON.stringify(s.inputMetadata))
    } catch (e) {
      log.push(`ERROR ${(e as Error).stack}`)
    }
    return log.join('\n')
  },
}
declare global { interface Window { tiffinOnnx: typeof api } }
window.tiffinOnnx = api
