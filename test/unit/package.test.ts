// The package as another project gets it: built, packed, installed from the tarball, imported.
import { execFileSync, spawn } from 'node:child_process'
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import { beforeAll, describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
let project = ''

const sh = (command: string, args: string[], cwd: string, env: Record<string, string> = {}): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })

beforeAll(async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'tiffin-pack-'))
  sh('npm', ['run', 'build'], root)
  const tarball = sh('npm', ['pack', '--silent', '--pack-destination', scratch], root).trim().split('\n').at(-1)!
  project = join(scratch, 'app')
  sh('mkdir', ['-p', project], scratch)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }))
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, tarball)], project)
}, 180_000)

describe('the packed package', () => {
  it('imports from every entry point', () => {
    const script = `
      const core = await import('tiffin')
      const node = await import('tiffin/node')
      const browser = await import('tiffin/browser')
      const sw = await import('tiffin/service-worker')
      console.log(JSON.stringify({
        tag: core.parseTag('resnet:v1'),
        fileStore: typeof node.fileStore,
        indexedDBStore: typeof browser.indexedDBStore,
        sw: typeof sw.indexedDBStore,
      }))`
    const out = JSON.parse(sh('node', ['--input-type=module', '-e', script], project))
    expect(out).toEqual({ tag: { name: 'resnet', version: 'v1' }, fileStore: 'function', indexedDBStore: 'function', sw: 'function' })
  })

  it('installs the tiffin command, which works against a store', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tiffin-home-'))
    expect(JSON.parse(sh(join(project, 'node_modules', '.bin', 'tiffin'), ['models', 'list', '--json'], project, { TIFFIN_HOME: home }))).toEqual([])
  })

  it('builds a service that imports "tiffin" into a bento, which serves from a copy with no node_modules beside it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tiffin-home-'))
    await writeFile(
      join(project, 'service.js'),
      `import { defineRunnable, io, Runner, Service } from 'tiffin'
export const negate = defineRunnable({ name: 'negate', module: import.meta.url, exportName: 'negate', resources: ['cpu'], methods: { run: { batchable: true } }, setup: () => ({ run: (xs) => xs.map((x) => -x) }) })
const runner = new Runner(negate, { workers: 1 })
export default new Service('packed', { runners: [runner] }).api({ name: 'negate', input: io.json(), output: io.json() }, (xs) => runner.run(xs))
`,
    )
    const bin = join(project, 'node_modules', '.bin', 'tiffin')
    const path = sh(bin, ['build', 'service.js'], project, { TIFFIN_HOME: home }).trim().split('\n').at(-1)!
    const copy = join(await mkdtemp(join(tmpdir(), 'tiffin-copy-')), 'bento')
    await cp(path, copy, { recursive: true })
    const child = spawn(bin, ['serve', copy, '--port', '0'], { cwd: tmpdir(), env: { ...process.env, TIFFIN_HOME: home } })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => (out += chunk, /at (http\S+)/.test(out) && resolve(/at (http\S+)/.exec(out)![1]!)))
        child.once('exit', (code) => reject(new Error(`tiffin serve exited with ${code}`)))
      })
      const response = await fetch(`${url}/negate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,-2.5]' })
      expect(await response.json()).toEqual([-1, 2.5])
    } finally {
      child.kill('SIGKILL')
    }
  }, 120_000)

  it('bundles for the browser with no Node built-ins', async () => {
    await writeFile(join(project, 'main.js'), `export { indexedDBStore, parseTag } from 'tiffin/browser'\nexport * as sw from 'tiffin/service-worker'\n`)
    const outDir = join(project, 'bundle')
    await build({
      root: project,
      configFile: false,
      logLevel: 'silent',
      build: { outDir, lib: { entry: join(project, 'main.js'), formats: ['es'], fileName: 'main' }, minify: false },
    })
    const files = await readdir(outDir)
    const code = (await Promise.all(files.filter((f) => f.endsWith('.js')).map((f) => readFile(join(outDir, f), 'utf8')))).join('\n')
    expect(code).toContain('indexedDB')
    expect(code).not.toMatch(/from ["']node:|require\(["']node:|from ["'](fs|path|os|crypto)["']/)
  })
})
