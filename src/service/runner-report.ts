import type { Runner } from '../runner/runner.js'
import type { RunnerSettings, RunnerState } from '../runner/runner-options.js'
import type { Placement } from '../runner/placement.js'

/** What `GET /runners.json` says of a runner: its state, where it runs, and each setting with where it came from. */
export interface RunnerReport {
  readonly state: RunnerState
  readonly placement: Placement | null
  readonly settings: RunnerSettings | null
  readonly notes: readonly string[]
}

/** `GET /runners.json`: every runner by name, with the settings it runs with (null until it has started). */
export function runnersReport(runners: readonly Runner[]): { readonly runners: Record<string, RunnerReport> } {
  return {
    runners: Object.fromEntries(
      runners.map((r) => [
        r.name,
        { state: r.state, placement: r.placement ?? null, settings: r.settings ?? null, notes: r.notes },
      ]),
    ),
  }
}
