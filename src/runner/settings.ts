// What a runner runs with, layer by layer: its method configs, its own options, the config layers it is
// started with (a config file's, then the service's), the defaults; and where each setting came from.
import type { BatchingLayer, BatchingOptions } from '../batching/config.js'
import { DEFAULTS } from '../defaults.js'
import type { MethodMap, Resource } from './runnable.js'
import type { RunnerConfig, RunnerConfigLayer, RunnerOptions, Setting, SettingSource } from './runner-options.js'

type RunnerBatching = Pick<
  RunnerOptions<unknown, MethodMap>,
  'maxBatchSize' | 'maxLatencyMs' | 'maxQueueItems' | 'batching'
>
type RunnerWide = Pick<RunnerConfig, 'workers' | 'resource' | 'timeoutMs' | 'setupTimeoutMs'>

/** A method's batching layers below its own config: the runner's options, then each config layer (its `methods.<name>` first). */
export function batchingLayers(
  options: RunnerBatching,
  layers: readonly RunnerConfigLayer[],
  method: string,
): BatchingLayer<SettingSource>[] {
  const { maxBatchSize, maxLatencyMs, maxQueueItems, batching } = options
  const own: BatchingOptions = { maxBatchSize, maxLatencyMs, maxQueueItems, enabled: batching }
  return [
    { source: 'runner options', options: own },
    ...layers.flatMap(({ source, config }) => {
      const { methods, ...everyMethod } = config.batching ?? {}
      return [
        { source, options: methods?.[method] ?? {} },
        { source, options: everyMethod },
      ]
    }),
  ]
}

/** The first of the runner's options and the config layers that sets `key`, and which one it was. */
function pick<K extends keyof RunnerWide>(
  key: K,
  options: RunnerWide,
  layers: readonly RunnerConfigLayer[],
): Setting<NonNullable<RunnerWide[K]>> | undefined {
  if (options[key] !== undefined) return { value: options[key]!, from: 'runner options' }
  const layer = layers.find((l) => l.config[key] !== undefined)
  return layer && { value: layer.config[key]!, from: layer.source }
}

/** Workers and resource where something sets them (else the placement decides), and the timeouts. */
export function runnerWideSettings(
  options: RunnerWide,
  layers: readonly RunnerConfigLayer[],
): {
  readonly workers: Setting<number> | undefined
  readonly resource: Setting<Resource> | undefined
  readonly timeoutMs: Setting<number>
  readonly setupTimeoutMs: Setting<number>
} {
  return {
    workers: pick('workers', options, layers),
    resource: pick('resource', options, layers),
    timeoutMs: pick('timeoutMs', options, layers) ?? { value: DEFAULTS.runner.timeoutMs, from: 'default' },
    setupTimeoutMs: pick('setupTimeoutMs', options, layers) ?? {
      value: DEFAULTS.runner.setupTimeoutMs,
      from: 'default',
    },
  }
}
