// Starts demo/start.ts as `npm start` does, on a free port and a store of the test's own.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Demo {
  child: ChildProcess
  url: string
  lines: string[]
  stop(): Promise<number | null>
}

/** Resolves once the demo prints its URL (its last line), with what it printed before. */
export function startDemo(home: string, timeoutMs = 90_000): Promise<Demo> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TIFFIN_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the demo printed no URL within ${timeoutMs} ms:\n${lines.join('\n')}\n${stderr}`)),
      timeoutMs,
    )
    let pending = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk
      const complete = pending.split('\n')
      pending = complete.pop()!
      for (const line of complete) {
        lines.push(line)
        const url = /^tiffin demo: (http:\/\/\S+)$/.exec(line)?.[1]
        if (!url) continue
        clearTimeout(timer)
        resolve({ child, url, lines, stop: () => (child.kill('SIGTERM'), exited) })
      }
    })
    void exited.then((code) =>
      reject(new Error(`the demo exited with code ${code} before printing its URL:\n${lines.join('\n')}\n${stderr}`)),
    )
  })
}
