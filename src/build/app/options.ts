/** What the built page, Service Worker and workers are told about the service they serve. */
export interface BrowserAppOptions {
  /** Path below the page's folder where the Service Worker answers (`api`). */
  readonly prefix: string
  readonly runners: 'embedded' | 'delegated' | 'both'
}
