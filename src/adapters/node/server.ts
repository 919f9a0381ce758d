import { serve as listen } from '@hono/node-server'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULTS } from '../../defaults.js'
import type { Runner } from '../../runner/runner.js'
import { runnerApp } from '../../service/runner-app.js'
import type { Service } from '../../service/service.js'
import { fileStore } from '../../store/fs.js'
import type { ModelStore } from '../../store/model-store.js'
import { nodePlatform } from './platform.js'
import { connectReplicas } from './replicas.js'

export interface ServeOptions {
  /** Default `PORT`, else 3000; 0 picks a free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Start the runners first (default true). */
  readonly init?: boolean
  /** The store the runners' models come from (default `$TIFFIN_HOME`). */
  readonly store?: ModelStore
  /** Runners served elsewhere (`tiffin serve … --runner NAME`), by name: their replicas' URLs. */
  readonly runnerMap?: Readonly<Record<string, readonly string[]>>
  /** How long a shutdown waits for requests in flight (default 30 s). */
  readonly drainMs?: number
}

export interface RunningServer {
  readonly url: string
  readonly server: Server
  /** Stops taking connections, waits for requests in flight, then stops the runners. */
  close(): Promise<void>
}

/** Serves a service over HTTP in Node; runners in `runnerMap` run on their replicas instead of here. */
export async function serve(service: Service, options: ServeOptions = {}): Promise<RunningServer> {
  const remote = options.runnerMap ?? {}
  for (const name of Object.keys(remote)) {
    if (!service.runners.some((r) => r.name === name))
      throw new TypeError(`The runner map names "${name}", but service "${service.name}" has no such runner`)
  }
  const stopWatching: (() => void)[] = []
  if (options.init !== false) {
    await service.init(
      { platform: nodePlatform, store: options.store ?? fileStore() },
      { delegated: Object.keys(remote) },
    )
    for (const runner of service.runners)
      if (remote[runner.name]) stopWatching.push(connectReplicas(runner, remote[runner.name]!))
  }
  return listenAndDrain(
    service.fetch,
    options,
    () => service.httpMetrics.inProgress,
    async () => {
      for (const stop of stopWatching) stop()
      await service.shutdown()
    },
  )
}

/** Serves one runner over HTTP for API servers elsewhere (`tiffin serve … --runner NAME`). */
export async function serveRunner(runner: Runner, options: ServeOptions = {}): Promise<RunningServer> {
  if (options.init !== false) await runner.init({ platform: nodePlatform, store: options.store ?? fileStore() })
  const { app, http } = runnerApp(runner)
  return listenAndDrain(
    (request) => Promise.resolve(app.fetch(request)),
    options,
    () => http.inProgress,
    () => runner.shutdown(),
  )
}

async function listenAndDrain(
  fetch: (request: Request) => Promise<Response>,
  options: ServeOptions,
  inProgress: () => number,
  stop: () => Promise<void>,
): Promise<RunningServer> {
  const port = options.port ?? (Number(process.env.PORT) || DEFAULTS.server.port)
  const host = options.host ?? DEFAULTS.server.host
  const server = await new Promise<Server>((resolve, reject) => {
    const s = listen({ fetch, port, hostname: host }, () => resolve(s as Server)) as Server
    s.once('error', reject)
  }).catch(async (error: unknown) => {
    await stop() // the runners already started would keep the process alive
    throw error
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closing: Promise<void> | undefined
  const drain = async (drainMs: number): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const deadline = Date.now() + drainMs
    while (inProgress() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    server.closeAllConnections()
    await closed
    await stop()
  }
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    close: () => (closing ??= drain(options.drainMs ?? DEFAULTS.server.drainMs)),
  }
}
