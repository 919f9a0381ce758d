// The soak test's server process: the HTTP benchmark's (http-process.ts), asked for its memory as well
// (soak-server.ts answers { type: 'memory' }), with its RSS also read from /proc.
import { readFileSync } from 'node:fs'
import { startServer, type ServerProcess } from './http-process.js'

export interface Memory {
  readonly rss: number
  readonly heapUsed: number
  readonly heapTotal: number
  readonly external: number
  readonly arrayBuffers: number
  /** VmRSS from /proc/<pid>/status, in bytes (NaN off Linux): should agree with rss. */
  readonly procRss: number
}

export interface SoakServer extends ServerProcess {
  memory(): Promise<Memory>
}

export async function startSoakServer(
  name: string,
  script: URL,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<SoakServer> {
  const server = await startServer(name, script, args, env)
  return {
    ...server,
    async memory() {
      const { memory } = await server.ask<{ memory: Omit<Memory, 'procRss'> }>('memory')
      return { ...memory, procRss: procRssBytes(server.pid) }
    },
  }
}

/** VmRSS of a process, from /proc/<pid>/status, in bytes; NaN where there is no /proc. */
export function procRssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : NaN
  } catch {
    return NaN
  }
}
