import { register } from 'node:module'
import { PACKAGE_NAME } from '../../package-info.js'

// A built service's Node bundle imports `tiffin-serve` by name: whatever serves it provides tiffin, as a Python
// runtime provides the packages a bento needs. This hook resolves those names to this thread's own tiffin,
// wherever the bundle was copied to, so the service, its workers and the server share one copy of each class.
const ENTRIES: Readonly<Record<string, string>> = {
  [PACKAGE_NAME]: '../../index.js',
  [`${PACKAGE_NAME}/node`]: '../../node.js',
  [`${PACKAGE_NAME}/browser`]: '../../browser.js',
  [`${PACKAGE_NAME}/service-worker`]: '../../service-worker.js',
  [`${PACKAGE_NAME}/client`]: '../../client.js',
}

// Resolving through `next` keeps the hooks before it (tsx maps `.js` to `.ts` when tiffin runs from sources).
const HOOKS = `let entries = {}
export function initialize(data) { entries = data }
export function resolve(specifier, context, next) { return next(entries[specifier] ?? specifier, context) }`

let registered = false

/** Lets modules in this thread import `tiffin-serve` and its entries wherever they are. Hooks are per thread. */
export function provideTiffin(): void {
  if (registered) return
  registered = true
  const data = Object.fromEntries(
    Object.entries(ENTRIES).map(([specifier, file]) => [specifier, new URL(file, import.meta.url).href]),
  )
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data })
}

/** Whether a module is part of tiffin itself (no hook needed to import it). */
export const isTiffinModule = (url: string): boolean => url.startsWith(new URL('../../', import.meta.url).href)
