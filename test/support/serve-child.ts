// Starts `tiffin serve MODULE --port 0` as a child process, for tests over real HTTP on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Served {
  readonly url: string
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exitCode: Promise<number | null>
  /** Everything written since `mark` (a `logMark()`), on stdout and stderr: where logs would be. */
  readonly loggedSince: (mark: LogMark) => string
  readonly logMark: () => LogMark
}

export interface LogMark {
  readonly stdout: number
  readonly stderr: number
}

/**
 * Resolves with the URL the server prints once it listens; models come from `home` ($TIFFIN_HOME).
 * `env` adds to the environment (a key set to undefined is removed).
 */
export function serveModule(
  module: string,
  home: string,
  args: readonly string[] = [],
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', module, '--port', '0', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TIFFIN_HOME: home, TIFFIN_DEBUG: '', TIFFIN_CONFIG: '', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
      const url = /serving \S+ at (http:\/\/[^\s"]+)/.exec(stdout)?.[1]
      if (url)
        resolve({
          url,
          child,
          stdout: () => stdout,
          stderr: () => stderr,
          exitCode,
          logMark: () => ({ stdout: stdout.length, stderr: stderr.length }),
          loggedSince: (mark) => stdout.slice(mark.stdout) + stderr.slice(mark.stderr),
        })
    })
    void exitCode.then((code) =>
      reject(new Error(`tiffin serve ${module} exited with ${code} before listening: ${stderr}`)),
    )
  })
}
