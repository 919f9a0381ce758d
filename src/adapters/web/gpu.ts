// The one WebGPU probe, for pages, Web Workers and Service Workers: asked once per thread.

export interface GpuAdapterLike {
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly isFallbackAdapter?: boolean }
  /** Older browsers say it here rather than in `info`. */
  readonly isFallbackAdapter?: boolean
}
type NavigatorWithGpu = { readonly gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }

let adapterCheck: Promise<{ adapter: GpuAdapterLike } | { missing: string }> | undefined

/** Whether WebGPU has an adapter in this thread, and if not, why. */
export function findGpuAdapter(): Promise<{ adapter: GpuAdapterLike } | { missing: string }> {
  adapterCheck ??= (async () => {
    const gpu = (globalThis.navigator as NavigatorWithGpu | undefined)?.gpu
    if (!gpu) return { missing: 'this browser has no WebGPU (navigator.gpu is missing)' }
    try {
      const adapter = await gpu.requestAdapter()
      return adapter ? { adapter } : { missing: 'no WebGPU adapter' }
    } catch (error) {
      return { missing: `requesting a WebGPU adapter failed (${(error as Error).message})` }
    }
  })()
  return adapterCheck
}

export function describeAdapter(adapter: GpuAdapterLike): string {
  const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ') || 'unnamed'
  const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter
  return `WebGPU adapter ${name}${fallback ? ' (a fallback adapter)' : ''}`
}
