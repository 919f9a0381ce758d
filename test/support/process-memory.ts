// The memory of this process's descendants (the browser Playwright started and its children), as the
// kernel counts it: proportional set size, so that pages sharing a library share its cost (Linux only).
import { readdirSync, readFileSync } from 'node:fs'

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      // "pid (comm) state ppid …": the name may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid])
    } catch {
      // gone meanwhile
    }
  }
  return byParent
}

/** The summed PSS of every process under this one, in MB. */
export function descendantsMemoryMB(): number {
  const byParent = children()
  let kB = 0
  const queue = [...(byParent.get(process.pid) ?? [])]
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    queue.push(...(byParent.get(pid) ?? []))
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
      kB += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0)
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return kB / 1024
}
