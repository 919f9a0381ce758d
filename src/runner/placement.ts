import { Unsupported } from '../errors.js'
import type { RunnerPlatform } from './platform.js'
import type { Resource, Runnable } from './runnable.js'

export interface Placement {
  readonly resource: Resource
  readonly workers: number
  readonly threads: number
  /** Why this placement, in a line. */
  readonly reason: string
}

/**
 * Decides where a runner runs and with how many workers: one per GPU adapter for WebGPU, one per core
 * (leaving one for the main thread) for single-threaded CPU or WASM code, and one worker with every
 * core for runnables that thread themselves. `workers` overrides the count.
 */
export async function placeRunner(
  runner: string,
  runnable: Runnable,
  platform: RunnerPlatform,
  requested: { resource?: Resource; workers?: number },
): Promise<Placement> {
  const { available, missing } = await platform.resources()
  // The runtime knows best which of its resources is fastest (native CPU before WASM in Node).
  const wanted = requested.resource
    ? [requested.resource]
    : [...available, ...runnable.resources.filter((r) => !available.includes(r))]
  const resource = wanted.find((r) => runnable.resources.includes(r) && available.includes(r))
  if (!resource) {
    const why = wanted.map(
      (r) =>
        `${r}: ${runnable.resources.includes(r) ? (missing[r] ?? 'not available here') : 'not supported by the runnable'}`,
    )
    throw new Unsupported(`Runner "${runner}" cannot run on ${platform.name}: ${why.join('; ')}`)
  }
  const skipped = runnable.resources
    .filter((r) => r !== resource && !available.includes(r))
    .map((r) => `${r} skipped (${missing[r] ?? 'unsupported'})`)
  const cores = Math.max(1, platform.cores())
  if (requested.workers !== undefined) {
    if (!Number.isInteger(requested.workers) || requested.workers < 1) {
      throw new RangeError(`Runner "${runner}": workers must be a whole number of at least 1, got ${requested.workers}`)
    }
    const threads = runnable.multiThreaded ? Math.max(1, Math.floor(cores / requested.workers)) : 1
    return {
      resource,
      workers: requested.workers,
      threads,
      reason: [`${requested.workers} worker${requested.workers === 1 ? '' : 's'} as configured`, ...skipped].join('; '),
    }
  }
  if (resource === 'webgpu') {
    const adapters = Math.max(1, await platform.gpuAdapters())
    return {
      resource,
      workers: adapters,
      threads: 1,
      reason: [`one worker per GPU adapter (${adapters})`, ...skipped].join('; '),
    }
  }
  if (runnable.multiThreaded) {
    return { resource, workers: 1, threads: cores, reason: [`one worker with ${cores} threads`, ...skipped].join('; ') }
  }
  const workers = Math.max(1, cores - 1)
  return {
    resource,
    workers,
    threads: 1,
    reason: [`one worker per core but one (${workers} of ${cores})`, ...skipped].join('; '),
  }
}
