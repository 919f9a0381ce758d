// The package as another project gets it: built, packed, installed from the tarball, imported.
import { execFileSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
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
