import { DEFAULTS } from '../../defaults.js'
import { RemoteExecutor } from '../../runner/remote-executor.js'
import type { Runner } from '../../runner/runner.js'
import type { Logger } from '../../telemetry/logger.js'

/**
 * Lends a runner every replica in `urls` that answers `/readyz`, and lends it again when a replica that
 * went away comes back; each drop and return is logged once. Returns a function that stops watching.
 */
export function connectReplicas(
  runner: Runner,
  urls: readonly string[],
  logger: Logger,
  probeMs = DEFAULTS.replicaProbeMs,
): () => void {
  let stopped = false
  const done = (): boolean => stopped || runner.state === 'stopped'
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  const ready = async (url: string): Promise<boolean> => {
    try {
      return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok
    } catch {
      return false
    }
  }
  for (const [index, url] of urls.entries()) {
    const replica = `replica ${index} (${url})`
    const fields = { runner: runner.name, replica: url }
    void (async () => {
      for (let joins = 0; !done();) {
        if (!(await ready(url))) {
          await sleep(probeMs)
          continue
        }
        if (done()) return
        const executor = new RemoteExecutor(replica, runner.name, url)
        runner.lend(executor)
        logger.log({
          level: 'info',
          event: joins++ === 0 ? 'replica.joined' : 'replica.returned',
          message: `Runner "${runner.name}": ${replica} answers /readyz; calls go to it${joins > 1 ? ' again' : ''}`,
          fields,
        })
        const cause = await new Promise<Error>((resolve) => executor.onDeath(resolve))
        if (done()) return
        logger.log({
          level: 'warn',
          event: 'replica.dropped',
          message: `Runner "${runner.name}": ${replica} ${cause.message}; its calls run on the others until it answers /readyz again`,
          fields: { ...fields, cause: cause.message },
        })
      }
    })()
  }
  return () => {
    stopped = true
  }
}
