import type { Runnable } from '../../runner/runnable.js'

/**
 * The app's own runnables, bundled into its Web Workers. The tiffin-serve Vite plugin rewrites this module
 * to import every module of the app that defines one, so a production bundle cannot hide them in chunks
 * a worker cannot import; without it, a worker imports each runnable from the module it names.
 */
export const bundledRunnables = (): readonly Runnable[] => []
