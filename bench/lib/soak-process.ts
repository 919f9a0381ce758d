// The soak test's server process: like http-process.ts's startServer (a forked tsx child that says where
// it listens and stops on SIGTERM), but keeping the child, so that the bench can ask it for its memory
// (soak-server.ts answers { type: 'memory' }) and read its RSS from /proc as well.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { ServerStats } from './http-process.js'

export interface Memory {
  readonly rss: number
  readonly heapUsed: number
  readonly heapTotal: number
  readonly external: number
  readonly arrayBuffers: number
  /** VmRSS from /proc/<pid>/status, in bytes (NaN off Linux): should agree with rss. */
  readonly procRss: number
}

export interface SoakServer {
  readonly url: string
  readonly info: string
  readonly pid: number
  memory(): Promise<Memory>
  stats(): Promise<ServerStats>
  /** Lines of stderr written again since the last call, with how often. */
  repeatedLines(): string[]
  stop(): Promise<void>
}

export async function startSoakServer(name: string, script: URL, args: readonly string[]): Promise<SoakServer> {
  const child = fork(script.pathname, [...args], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] })
  const seen = new Set<string>()
  const repeats = new Map<string, number>()
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (seen.has(line)) repeats.set(line, (repeats.get(line) ?? 0) + 1)
    else process.stderr.write(`[${name}] ${line}\n`)
    seen.add(line)
  })
  const exited = once(child, 'close').then(([code, signal]) => `${script.pathname} exited (${signal ?? `code ${code}`})`)
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const listener = (message: { type?: string }) => {
        if (message.type !== type) return
        child.off('message', listener)
        resolve(message as T)
      }
      child.on('message', listener)
    })
  const first = await Promise.race([next<{ url: string; info: string }>('ready'), exited])
  if (typeof first === 'string') throw new Error(`${first} before it listened`)
  const pid = child.pid!
  const ask = async <T>(type: string): Promise<T> => {
    const answer = next<T>(type)
    child.send({ type })
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name} did not answer "${type}" in 10 s`)), 10_000).unref())
    return Promise.race([answer, timeout])
  }
  return {
    url: first.url,
    info: first.info,
    pid,
    async memory() {
      const { memory } = await ask<{ memory: Omit<Memory, 'procRss'> }>('memory')
      return { ...memory, procRss: procRssBytes(pid) }
    },
    async stats() {
      return (await ask<{ stats: ServerStats }>('stats')).stats
    },
    repeatedLines() {
      const lines = [...repeats].map(([line, n]) => `[${name}] ${n} more: ${line}`)
      repeats.clear()
      return lines
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
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
