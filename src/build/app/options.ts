/** What the built page, Service Worker and workers are told about the service they serve. */
export interface BrowserAppOptions {
  /** Path below the page's folder where the Service Worker answers (`api`). */
  readonly prefix: string
  readonly runners: 'embedded' | 'delegated' | 'both'
}

/** What the Service Worker alone is told: the page's own files, kept so the page also opens offline. */
export interface AppShell {
  /** The bento's version: names the cache, so a new build replaces the old files. */
  readonly version: string
  /** Paths relative to the folder; `assets/` ones have hashed names and never change. */
  readonly files: readonly string[]
}
