import { DEFAULTS } from '../../defaults.js'
import { RemoteExecutor } from '../../runner/remote-executor.js'
import type { Runner } from '../../runner/runner.js'

/**
 * Lends a runner every replica in `urls` that answers `/readyz`, and lends it again when a replica that
 * went away comes back. Returns a function that stops watching.
 */
export function connectReplicas(
  runner: Runner,
  urls: readonly string[],
  probeMs = DEFAULTS.replicaProbeMs,
): () => void {
  let stopped = false
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  const ready = async (url: string): Promise<boolean> => {
    try {
      return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok
    } catch {
      return false
    }
  }
  for (const [index, url] of urls.entries()) {
    void (async () => {
      while (!stopped && runner.state !== 'stopped') {
        if (!(await ready(url))) {
          await sleep(probeMs)
          continue
        }
        const executor = new RemoteExecutor(`replica ${index} (${url})`, runner.name, url)
        runner.lend(executor)
        await new Promise((resolve) => executor.onDeath(resolve))
      }
    })()
  }
  return () => {
    stopped = true
  }
}
