import { SERVICE_BRAND, type Service } from './service.js'

const isService = (value: unknown): value is Service =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SERVICE_BRAND] === true

/** The service a module defines: its default export, an export named `service`, or its only Service. */
export function pickService(module: Readonly<Record<string, unknown>>, where: string): Service {
  const services = Object.entries(module).filter((entry): entry is [string, Service] => isService(entry[1]))
  const chosen =
    services.find(([name]) => name === 'default') ??
    services.find(([name]) => name === 'service') ??
    (services.length === 1 ? services[0] : undefined)
  if (!chosen) {
    const found = services.length
      ? `it exports ${services.length} services (${services.map(([n]) => n).join(', ')}); export one as default`
      : 'it exports no Service'
    throw new TypeError(`${where} does not define a service to serve: ${found}`)
  }
  return chosen[1]
}
