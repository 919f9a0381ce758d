// The HTTP benchmark's servers run in child processes of their own, so that neither shares an event
// loop with the load generator. This is how the bench and a server process speak: the server says where
// it listens, answers requests for its CPU figures, and stops on SIGTERM.
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import { createInterface } from 'node:readline'

/** What a server process reports about itself, cumulative since it started. */
export interface ServerStats {
  /** User and system CPU time of the whole process (every thread: workers, ONNX Runtime's pool), in µs. */
  readonly cpuUs: number
  /** The same for the main thread alone (from /proc, so NaN off Linux), in µs: unlike wall time, not inflated by waiting for a core. */
  readonly mainCpuUs: number
  /** The main thread's event loop: time busy and idle, in ms. */
  readonly elu: EventLoopUtilization
  readonly atMs: number
  /** Anything else the server counts (the tiffin server: its runner's batches). */
  readonly extra?: Record<string, number>
}

export interface ServerProcess {
  readonly url: string
  readonly pid: number
  /** What the server said about itself when it started (placement, threads). */
  readonly info: string
  stats(): Promise<ServerStats>
  /** Sends `{ type }` and waits (10 s at most) for the server's message of the same type. */
  ask<T>(type: string): Promise<T>
  /** Lines of stderr written again since the last call, with how often. */
  repeatedLines(): string[]
  stop(): Promise<void>
}

/**
 * Starts `script` (TypeScript, run through tsx) and waits until it listens; `env` adds to its environment.
 * Its stderr is passed on with `name` before each line; a line it has written before is only counted
 * (see `repeatedLines`).
 */
export async function startServer(
  name: string,
  script: URL,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<ServerProcess> {
  const child = fork(script.pathname, [...args], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  })
  const seen = new Set<string>()
  const repeats = new Map<string, number>()
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (seen.has(line)) repeats.set(line, (repeats.get(line) ?? 0) + 1)
    else process.stderr.write(`[${name}] ${line}\n`)
    seen.add(line)
  })
  const exited = once(child, 'close').then(
    ([code, signal]) => `${script.pathname} exited (${signal ?? `code ${code}`})`,
  )
  const first = await Promise.race([next<{ url: string; info: string }>(child, 'ready'), exited])
  if (typeof first === 'string') throw new Error(`${first} before it listened`)
  const ask = <T>(type: string): Promise<T> => {
    const answer = next<T>(child, type)
    child.send({ type })
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${name} did not answer "${type}" in 10 s`)), 10_000).unref(),
    )
    return Promise.race([answer, timeout])
  }
  return {
    url: first.url,
    info: first.info,
    pid: child.pid!,
    ask,
    repeatedLines() {
      const lines = [...repeats].map(([line, n]) => `[${name}] ${n} more: ${line}`)
      repeats.clear()
      return lines
    },
    async stats() {
      return (await ask<{ stats: ServerStats }>('stats')).stats
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: { type?: string }) => {
      if (message.type !== type) return
      child.off('message', listener)
      resolve(message as T)
    }
    child.on('message', listener)
  })
}

/** In a server process: tells the bench where it listens, answers for stats, and closes on SIGTERM. */
export function reportToBench(
  url: string,
  info: string,
  close: () => Promise<void>,
  extra?: () => Record<string, number>,
): void {
  if (!process.send) throw new Error('Run this through bench/http.ts: it is a child process of the benchmark')
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'stats') return
    const cpu = process.cpuUsage()
    const stats: ServerStats = {
      cpuUs: cpu.user + cpu.system,
      mainCpuUs: mainThreadCpuUs(),
      elu: performance.eventLoopUtilization(),
      atMs: performance.timeOrigin + performance.now(),
      extra: extra?.(),
    }
    process.send!({ type: 'stats', stats })
  })
  process.once('SIGTERM', () => {
    void close().then(() => process.exit(0))
  })
  process.send({ type: 'ready', url, info })
}

// Linux counts a thread's CPU time in clock ticks of 1/100 s (USER_HZ, the same on every architecture).
const TICK_US = 10_000

/** The main thread's user and system time, from /proc/self/task/<pid>/stat (fields 14 and 15). */
function mainThreadCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // from field 3 on: the name may hold spaces
    return (Number(fields[11]) + Number(fields[12])) * TICK_US
  } catch {
    return NaN
  }
}

/** Between two reports: the process's CPU in % of one core, the main thread's time busy in %, and its CPU in µs. */
export function usageBetween(
  before: ServerStats,
  after: ServerStats,
): { cpuPercent: number; mainBusyPercent: number; mainCpuUs: number } {
  const wallMs = after.atMs - before.atMs
  const elu = performance.eventLoopUtilization(after.elu, before.elu)
  return {
    cpuPercent: (100 * (after.cpuUs - before.cpuUs)) / 1000 / wallMs,
    mainBusyPercent: 100 * elu.utilization,
    mainCpuUs: after.mainCpuUs - before.mainCpuUs,
  }
}

/** CPU time used so far by everything on this machine (all cores, all processes), in µs. */
export function machineCpuUs(): number {
  return cpus().reduce((sum, { times }) => sum + (times.user + times.nice + times.sys + times.irq) * 1000, 0)
}
