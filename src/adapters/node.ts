import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve as listen } from '@hono/node-server'
import type { Service } from '../service/service.js'
import { fileStore } from '../store/fs.js'
import type { ModelStore } from '../store/model-store.js'
import { nodePlatform } from './node-platform.js'

export interface ServeOptions {
  /** Default `PORT`, else 3000; 0 picks a free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Start the service's runners first (default true). */
  readonly init?: boolean
  /** The store the runners' models come from (default `$TIFFIN_HOME`). */
  readonly store?: ModelStore
  /** How long a shutdown waits for requests in flight (default 30 s). */
  readonly drainMs?: number
}

export interface RunningServer {
  readonly url: string
  readonly server: Server
  /** Stops taking connections, waits for requests in flight, then stops the runners. */
  close(): Promise<void>
}

/** Serves a service over HTTP in Node. */
export async function serve(service: Service, options: ServeOptions = {}): Promise<RunningServer> {
  if (options.init !== false) await service.init({ platform: nodePlatform, store: options.store ?? fileStore() })
  const port = options.port ?? (Number(process.env.PORT) || 3000)
  const host = options.host ?? '127.0.0.1'
  const server = await new Promise<Server>((resolve, reject) => {
    const s = listen({ fetch: service.fetch, port, hostname: host }, () => resolve(s as Server)) as Server
    s.once('error', reject)
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closing: Promise<void> | undefined
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    close: () => (closing ??= drain(service, server, options.drainMs ?? 30_000)),
  }
}

async function drain(service: Service, server: Server, drainMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const deadline = Date.now() + drainMs
  while (service.httpMetrics.inProgress > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  server.closeAllConnections()
  await closed
  await service.shutdown()
}
