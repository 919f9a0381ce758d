// A bento's image, built as its Dockerfile says, in a copy of the bento on a machine with no checkout and
// no tiffin installed. There is no Docker here: the Dockerfile's own RUN, ENV, ENTRYPOINT and CMD lines
// run in the copy, as `docker build` and `docker run` would run them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tensor } from '../../src/tensor/tensor.js'
import { linearModel } from '../fixtures/models.js'
import { buildDemoBento, copyElsewhere, type FixtureBento } from '../support/bento-fixture.js'

interface ImageSteps {
  readonly base: string
  readonly user: string | undefined
  readonly run: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly command: readonly string[]
}

/** The steps of a Dockerfile that matter outside Docker; COPY is the copy already made. */
function imageSteps(dockerfile: string): ImageSteps {
  const steps = {
    base: '',
    user: undefined as string | undefined,
    run: [] as string[],
    env: {} as Record<string, string>,
    entrypoint: [] as string[],
    cmd: [] as string[],
  }
  for (const line of dockerfile.split('\n')) {
    const [, instruction, rest] = /^([A-Z]+)\s+(.*)$/.exec(line) ?? []
    if (instruction === 'FROM') steps.base = rest!
    else if (instruction === 'USER') steps.user = rest
    else if (instruction === 'RUN') steps.run.push(rest!)
    else if (instruction === 'ENV')
      for (const [, key, value] of rest!.matchAll(/(\w+)=(\S+)/g)) steps.env[key!] = value!
    else if (instruction === 'ENTRYPOINT') steps.entrypoint = JSON.parse(rest!) as string[]
    else if (instruction === 'CMD') steps.cmd = JSON.parse(rest!) as string[]
  }
  return { ...steps, command: [...steps.entrypoint, ...steps.cmd] }
}

/** The name and version of every package installed in `folder`, from npm's record of node_modules. */
async function installedPackages(folder: string): Promise<string[]> {
  const record = JSON.parse(await readFile(join(folder, 'node_modules', '.package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>
  }
  return Object.entries(record.packages)
    .map(([path, p]) => `${path}@${p.version}`)
    .sort()
}

const install = (folder: string, steps: ImageSteps): void => {
  // A test machine keeps npm's cache: prefer it, as a build host with a warm cache would.
  for (const command of steps.run)
    execFileSync('sh', ['-c', command], {
      cwd: folder,
      stdio: 'pipe',
      env: { ...process.env, npm_config_prefer_offline: 'true' },
    })
}

let bento: FixtureBento
let copy = ''
let steps: ImageSteps
let server: ChildProcess | undefined

beforeAll(async () => {
  bento = await buildDemoBento()
  copy = await copyElsewhere(bento.path)
  steps = imageSteps(await readFile(join(copy, 'Dockerfile'), 'utf8'))
}, 120_000)

afterAll(async () => {
  server?.kill('SIGKILL')
  await bento?.remove()
  if (copy) await rm(join(copy, '..'), { recursive: true, force: true })
})

describe("a bento's image", () => {
  it('uses a supported Node, runs as a user that is not root, and serves with tiffin serve . --host 0.0.0.0', () => {
    expect(steps.base).toMatch(/^node:(2[2-9]|[3-9]\d)/)
    expect(steps.user).toBe('node')
    expect(steps.command).toEqual(['node_modules/.bin/tiffin', 'serve', '.', '--host', '0.0.0.0'])
    expect(steps.run.join('\n')).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci/)
  })

  it('installs from what the bento holds, and answers right over HTTP', async () => {
    install(copy, steps)
    const installed = await installedPackages(copy)
    // tiffin-serve came from the tarball inside the bento, at the version that built it.
    const manifest = JSON.parse(await readFile(join(copy, 'node_modules', 'tiffin-serve', 'package.json'), 'utf8')) as {
      version: string
    }
    const info = JSON.parse(await readFile(join(copy, 'bento.json'), 'utf8')) as { tiffin: string }
    expect(manifest.version).toBe(info.tiffin)
    expect(installed).toContain(`node_modules/tiffin-serve@${info.tiffin}`)
    expect(installed.some((p) => p.startsWith('node_modules/onnxruntime-node@'))).toBe(true)

    const [command, ...args] = steps.command
    server = spawn(join(copy, command!), args, {
      cwd: copy,
      env: { ...process.env, ...steps.env, PORT: '0', TIFFIN_HOME: join(copy, '.home') },
    })
    const port = await new Promise<string>((resolve, reject) => {
      let out = ''
      server!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk
        const found = /serving demo at http:\/\/\S+:(\d+)/.exec(out)
        if (found) resolve(found[1]!)
      })
      server!.once('exit', (code) => reject(new Error(`the image's command exited with ${code}`)))
    })
    const x = tensor('float32', [3, 4], new Float32Array([1, 2, 3, 4, -1, 0.5, 0, 2, 9, -3, 1, 1]))
    const response = await fetch(`http://127.0.0.1:${port}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        [1, 2, 3, 4],
        [-1, 0.5, 0, 2],
        [9, -3, 1, 1],
      ]),
    })
    expect(response.status).toBe(200)
    const rows = (await response.json()) as number[][]
    const expected = linearModel().reference({ x }).y!.data as Float32Array
    expect(rows.flat()).toHaveLength(9)
    rows.flat().forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5))
    server.kill('SIGTERM')
  }, 240_000)

  it('installs the same packages a second time, from its lockfile', async () => {
    const first = await installedPackages(copy)
    await rm(join(copy, 'node_modules'), { recursive: true, force: true })
    install(copy, steps)
    expect(await installedPackages(copy)).toEqual(first)
  }, 240_000)
})
