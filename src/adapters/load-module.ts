import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import { Service } from '../service/service.js'

/**
 * Imports a module that defines a service and returns it: the default export, an export named
 * `service`, or the only exported Service. TypeScript modules load through tsx.
 */
export async function loadServiceModule(path: string): Promise<Service> {
  const url = pathToFileURL(resolve(path)).href
  if (/\.[cm]?tsx?$/.test(path)) {
    const { register } = await import('tsx/esm/api')
    register()
  }
  const module = (await import(url)) as Record<string, unknown>
  const services = Object.entries(module).filter((entry): entry is [string, Service] => entry[1] instanceof Service)
  const chosen = services.find(([name]) => name === 'default') ?? services.find(([name]) => name === 'service') ?? (services.length === 1 ? services[0] : undefined)
  if (!chosen) {
    const found = services.length ? `it exports ${services.length} services (${services.map(([n]) => n).join(', ')}); export one as default` : 'it exports no Service'
    throw new TypeError(`${path} does not define a service to serve: ${found}`)
  }
  return chosen[1]
}
