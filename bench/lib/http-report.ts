// What bench/http.ts measures at each point, and how it reports what telemetry costs (--telemetry).
import type { LoadPoint } from './http-load.js'
import { fmt, quantile, table } from './stats.js'

export interface HttpRow extends LoadPoint {
  readonly server: string
  readonly clients: number
  /** The server process, every thread, in % of one core. */
  readonly serverCpuPercent: number
  /** The server's main thread: share of wall time its event loop was busy (waiting for a core included). */
  readonly mainBusyPercent: number
  /** The server's main thread: CPU time per request answered, in µs. */
  readonly mainCpuPerRequestUs: number
  /** CPU used on this machine by neither the server nor the load generator (other work), in % of one core. */
  readonly othersCpuPercent: number
  /** tiffin only: mean items per batch, ms a batch (the worker round trip), calls refused. */
  readonly meanBatch?: number
  readonly batchMs?: number
  readonly refused?: number
}

/**
 * What telemetry costs, round by round: on a shared machine requests a second swing with other work,
 * while the main thread's CPU a request (what tracing and logging add to) holds steadier. Its median
 * over the rounds, against tiffin's defaults', and a JSON line of the medians.
 */
export function reportTelemetryCost(
  measured: readonly HttpRow[],
  {
    servers,
    clients: clientCounts,
    rounds,
    baseline,
  }: { servers: readonly string[]; clients: readonly number[]; rounds: number; baseline: string },
): void {
  const median = (server: string, clients: number, pick: (r: HttpRow) => number) =>
    quantile(measured.filter((r) => r.server === server && r.clients === clients).map(pick), 0.5)
  const points = servers.flatMap((name) =>
    clientCounts.map((clients) => ({
      server: name,
      clients,
      rounds: measured.filter((r) => r.server === name && r.clients === clients),
      cpuUs: median(name, clients, (r) => r.mainCpuPerRequestUs),
      rps: median(name, clients, (r) => r.requestsPerS),
    })),
  )
  const offCpu = (clients: number) => points.find((p) => p.server === baseline && p.clients === clients)!.cpuUs
  console.log(`\nMain thread CPU a request in µs (requests a second), each round as it ran, and the medians:`)
  console.log(
    table(
      [
        'server',
        'clients',
        ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`),
        'median µs',
        `vs ${baseline}`,
      ],
      points.map((p) => [
        p.server,
        String(p.clients),
        ...p.rounds.map((r) => `${fmt(r.mainCpuPerRequestUs, 0)} (${fmt(r.requestsPerS, 0)})`),
        fmt(p.cpuUs, 0),
        `${p.cpuUs >= offCpu(p.clients) ? '+' : ''}${fmt(p.cpuUs - offCpu(p.clients), 0)} µs`,
      ]),
    ),
  )
  console.log(
    JSON.stringify({
      bench: 'http-telemetry',
      rounds,
      points: points.map((p) => ({
        server: p.server,
        clients: p.clients,
        median_rps: Math.round(p.rps),
        median_main_us_per_request: Math.round(p.cpuUs),
      })),
    }),
  )
}
