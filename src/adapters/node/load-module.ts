import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { pickService } from '../../service/pick-service.js'
import type { Service } from '../../service/service.js'

/**
 * Imports a module that defines a service and returns it: the default export, an export named
 * `service`, or the only exported Service. TypeScript modules load through tsx.
 */
export async function loadServiceModule(path: string): Promise<Service> {
  return pickService(await importSourceModule(path), path)
}

/** Imports a JavaScript or TypeScript module by path (TypeScript through tsx). */
export async function importSourceModule(path: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?tsx?$/.test(path)) (await import('tsx/esm/api')).register()
  return (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>
}
