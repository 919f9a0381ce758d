// A new Vite app in a temporary folder outside the repository, with tiffin-serve installed from the packed
// tarball and Vite from the registry, as a user's app gets them: no repository config, no `../src` imports.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = new URL('../..', import.meta.url).pathname

export interface Running {
  readonly url: string
  stop(): Promise<void>
}

export interface ScratchApp {
  readonly dir: string
  /** Writes files, relative to the app's folder. */
  write(files: Readonly<Record<string, string | Uint8Array>>): Promise<void>
  /** `vite` dev, on a free port of 127.0.0.1. */
  dev(): Promise<Running>
  /** `vite build`; resolves with the output folder. */
  build(): Promise<string>
  remove(): Promise<void>
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

export async function scratchApp(): Promise<ScratchApp> {
  const scratch = await mkdtemp(join(tmpdir(), 'tiffin-vite-app-'))
  const dir = join(scratch, 'app')
  await mkdir(dir)
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', scratch], {
    cwd: ROOT,
    maxBuffer: 16 << 20,
  })
  const tarball = join(scratch, stdout.trim().split('\n').at(-1)!)
  const vite = (JSON.parse(await readFile(join(ROOT, 'node_modules/vite/package.json'), 'utf8')) as { version: string })
    .version
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2))
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `vite@${vite}`], {
    cwd: dir,
    maxBuffer: 16 << 20,
  })
  const viteBin = join(dir, 'node_modules/vite/bin/vite.js')
  return {
    dir,
    async write(files) {
      for (const [file, content] of Object.entries(files)) {
        await mkdir(dirname(join(dir, file)), { recursive: true })
        await writeFile(join(dir, file), content)
      }
    },
    async dev() {
      const port = await freePort()
      const child: ChildProcess = spawn(
        process.execPath,
        [viteBin, '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
        {
          cwd: dir,
          env: { ...process.env, NO_COLOR: '1' },
        },
      )
      let output = ''
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk))
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk))
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => /Local:/.test(output) && (clearInterval(timer), resolve()), 50)
        child.once('exit', (code) => (clearInterval(timer), reject(new Error(`vite exited with ${code}:\n${output}`))))
      })
      const stopped = new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
      )
      return { url: `http://127.0.0.1:${port}/`, stop: () => (child.kill('SIGTERM'), stopped) }
    },
    async build() {
      await run(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], { cwd: dir, maxBuffer: 16 << 20 })
      return join(dir, 'dist')
    },
    remove: () => rm(scratch, { recursive: true, force: true }),
  }
}
