import type { Runnable } from './runnable.js'

/**
 * Runnables bundled into this thread's own code. A browser bundle keeps no module a worker could import a
 * runnable from by URL (its chunks are named by the bundler and export what the bundler likes), so a
 * built worker is handed the runnables up front and finds them here by name.
 */
const provided = new Map<string, Runnable>()

const key = (name: string, exportName: string): string => `${name}#${exportName}`

export function provideRunnables(runnables: Iterable<Runnable>): void {
  for (const runnable of runnables) provided.set(key(runnable.name, runnable.exportName), runnable)
}

export function providedRunnable(name: string, exportName: string): Runnable | undefined {
  return provided.get(key(name, exportName))
}

/**
 * The runnables among modules' exports (what a bundler hands a worker).
 * @public Called by the module the Vite plugin writes.
 */
export function runnablesIn(modules: readonly Readonly<Record<string, unknown>>[]): Runnable[] {
  const isRunnable = (value: unknown): value is Runnable =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Runnable).setup === 'function' &&
    typeof (value as Runnable).module === 'string' &&
    typeof (value as Runnable).exportName === 'string'
  return modules.flatMap((module) => Object.values(module).filter(isRunnable))
}
