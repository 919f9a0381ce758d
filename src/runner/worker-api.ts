import type { WorkerHost } from './host.js'
import { registerErrorTransfer, withTransfer } from './worker-errors.js'

/**
 * The host as a worker exposes it: errors keep their tiffin class across the boundary, and results move
 * their typed-array buffers to the caller instead of copying them (a runnable must return fresh arrays).
 */
export function workerApi(host: WorkerHost): WorkerHost {
  registerErrorTransfer()
  return {
    setup: (spec) => host.setup(spec),
    call: async (method, input) => withTransfer(await host.call(method, input)),
    counts: () => host.counts(),
    teardown: () => host.teardown(),
  }
}
