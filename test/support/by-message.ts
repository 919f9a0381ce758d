import type { RunnerPlatform } from '../../src/runner/platform.js'

/** A platform whose workers keep their memory apart, so every call to them goes by message. */
export function byMessage(platform: RunnerPlatform): RunnerPlatform {
  const spawn = platform.spawnWorker!
  return { ...platform, spawnWorker: (label) => ({ ...spawn(label), sharesMemory: false }) }
}
