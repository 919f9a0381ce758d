// The package as another project gets it: packed (which builds it), installed from the tarball into a
// scratch project outside the repository, imported.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import { beforeAll, describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
let project = ''
let installLog = ''

const sh = (command: string, args: string[], cwd: string, env: Record<string, string> = {}): string =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })

beforeAll(async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'tiffin-pack-'))
  // No `npm run build` first: packing builds what it packs.
  const tarball = sh('npm', ['pack', '--silent', '--pack-destination', scratch], root).trim().split('\n').at(-1)!
  project = join(scratch, 'app')
  sh('mkdir', ['-p', project], scratch)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }))
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, tarball)], {
    cwd: project,
    encoding: 'utf8',
  })
  installLog = install.stdout + install.stderr
  if (install.status !== 0) throw new Error(`npm install failed:\n${installLog}`)
}, 180_000)

/** Bundles `code` for the browser with Vite, as a user's app would, and returns the JavaScript it wrote. */
async function browserBundle(name: string, code: string): Promise<string> {
  await writeFile(join(project, `${name}.js`), code)
  const outDir = join(project, `bundle-${name}`)
  await build({
    root: project,
    configFile: false,
    logLevel: 'silent',
    build: { outDir, lib: { entry: join(project, `${name}.js`), formats: ['es'], fileName: name }, minify: false },
  })
  const files = (await readdir(outDir)).filter((f) => f.endsWith('.js'))
  return (await Promise.all(files.map((f) => readFile(join(outDir, f), 'utf8')))).join('\n')
}

describe('the packed package', () => {
  it('installs as tiffin-serve with no engine or config warning', () => {
    expect(installLog).not.toMatch(/EBADENGINE|Unknown project config/)
  })

  it('imports from every entry point', () => {
    const script = `
      const core = await import('tiffin-serve')
      const node = await import('tiffin-serve/node')
      const browser = await import('tiffin-serve/browser')
      const sw = await import('tiffin-serve/service-worker')
      const client = await import('tiffin-serve/client')
      console.log(JSON.stringify({
        tag: core.parseTag('resnet:v1'),
        fileStore: typeof node.fileStore,
        indexedDBStore: typeof browser.indexedDBStore,
        sw: typeof sw.serveFromServiceWorker,
        client: [typeof client.createClient, typeof client.ClientError, client.tensor('int32', [2], new Int32Array([1, 2])).dims],
      }))`
    const out = JSON.parse(sh('node', ['--input-type=module', '-e', script], project))
    expect(out).toEqual({
      tag: { name: 'resnet', version: 'v1' },
      fileStore: 'function',
      indexedDBStore: 'function',
      sw: 'function',
      client: ['function', 'function', [2]],
    })
  })

  it('installs the tiffin command: npx tiffin --help, and a command against a store', async () => {
    expect(sh('npx', ['--no-install', 'tiffin', '--help'], project)).toMatch(
      /^Usage: tiffin \[options\] \[command\][\s\S]*serve[\s\S]*build/,
    )
    const home = await mkdtemp(join(tmpdir(), 'tiffin-home-'))
    expect(
      JSON.parse(
        sh(join(project, 'node_modules', '.bin', 'tiffin'), ['models', 'list', '--json'], project, {
          TIFFIN_HOME: home,
        }),
      ),
    ).toEqual([])
  })

  it('ships source maps that carry their sources, so dev tools can show them', async () => {
    const dir = join(project, 'node_modules', 'tiffin-serve', 'dist', 'src')
    const maps = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.js.map'))
    expect(maps.length).toBeGreaterThan(50)
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(await readFile(join(dir, map), 'utf8')) as {
        sources: string[]
        sourcesContent?: (string | null)[]
      }
      expect(sourcesContent?.length, map).toBe(sources.length)
      expect(
        sourcesContent!.every((text) => typeof text === 'string' && text.length > 0),
        map,
      ).toBe(true)
    }
  })

  it('builds a service that imports "tiffin-serve" into a bento, which serves from a copy with no node_modules beside it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tiffin-home-'))
    await writeFile(
      join(project, 'service.js'),
      `import { defineRunnable, io, Runner, Service } from 'tiffin-serve'
export const negate = defineRunnable({ name: 'negate', module: import.meta.url, exportName: 'negate', resources: ['cpu'], methods: { run: { batchable: true } }, setup: () => ({ run: (xs) => xs.map((x) => -x) }) })
const runner = new Runner(negate, { workers: 1 })
export default new Service('packed', { runners: [runner] }).api({ name: 'negate', input: io.json(), output: io.json() }, (xs) => runner.run(xs))
`,
    )
    const bin = join(project, 'node_modules', '.bin', 'tiffin')
    // Building needs Vite, an optional peer: without it, one line says what to install.
    const withoutVite = spawnSync(bin, ['build', 'service.js'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, TIFFIN_HOME: home },
    })
    expect(withoutVite.status).not.toBe(0)
    expect(withoutVite.stderr).toMatch(
      /^tiffin: tiffin build bundles with Vite, which is not installed here: npm install --save-dev vite@8\n$/,
    )
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', 'vite@8'], project)
    const path = sh(bin, ['build', 'service.js'], project, { TIFFIN_HOME: home }).trim().split('\n').at(-1)!
    const copy = join(await mkdtemp(join(tmpdir(), 'tiffin-copy-')), 'bento')
    await cp(path, copy, { recursive: true })
    const child = spawn(bin, ['serve', copy, '--port', '0'], {
      cwd: tmpdir(),
      env: { ...process.env, TIFFIN_HOME: home },
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on(
          'data',
          (chunk: Buffer) => ((out += chunk), /at (http\S+)/.test(out) && resolve(/at (http\S+)/.exec(out)![1]!)),
        )
        child.once('exit', (code) => reject(new Error(`tiffin serve exited with ${code}`)))
      })
      const response = await fetch(`${url}/negate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[1,-2.5]',
      })
      expect(await response.json()).toEqual([-1, 2.5])
    } finally {
      child.kill('SIGKILL')
    }
  }, 180_000)

  it('bundles for the browser with no Node built-ins', async () => {
    const code = await browserBundle(
      'main',
      `export { indexedDBStore, parseTag } from 'tiffin-serve/browser'\nexport * as sw from 'tiffin-serve/service-worker'\n`,
    )
    expect(code).toContain('indexedDB')
    expect(code).not.toMatch(/from ["']node:|require\(["']node:|from ["'](fs|path|os|crypto)["']/)
  })

  it('bundles tiffin-serve/client for the browser with no Hono, Comlink or onnxruntime-web in it', async () => {
    const code = await browserBundle(
      'client',
      `export { createClient, ClientError, tensor } from 'tiffin-serve/client'\n`,
    )
    expect(code).toMatch(/function createClient/)
    expect(code).not.toMatch(/hono|comlink|onnxruntime|ort-wasm|InferenceSession/i)
    expect(code).not.toMatch(/from ["']node:/)
  })
})
