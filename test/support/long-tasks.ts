// Long tasks on a page's main thread (over 50 ms, as the browser reports them): a page that embeds a
// service must not freeze while its models run.
import type { Page } from '@playwright/test'

declare global {
  interface Window {
    tiffinLongTasks?: number[]
  }
}

/** Starts recording the page's long tasks from its first script on (call before `goto`). */
export async function watchLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.tiffinLongTasks = []
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.tiffinLongTasks!.push(entry.duration)
    }).observe({ type: 'longtask', buffered: true })
  })
}

/** The long tasks recorded since the last call, in ms, and forgets them. */
export const takeLongTasks = (page: Page): Promise<number[]> => page.evaluate(() => window.tiffinLongTasks!.splice(0))
