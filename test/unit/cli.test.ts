import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelInfo } from '../../src/store/manifest.js'
import { linearModel } from '../fixtures/models.js'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `tiffin …` as a child process from the repository root, the way a user would, against `home`. */
function tiffin(home: string, ...args: string[]): Promise<CliResult> {
  const env = { ...process.env, TIFFIN_HOME: home, TIFFIN_DEBUG: '' }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: REPO_ROOT, env },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
      },
    )
  })
}

/** A failure is one `tiffin: …` line on stderr, never a stack trace. */
function expectOneLineError(result: CliResult, exitCode: number, message: RegExp): void {
  expect(result.code).toBe(exitCode)
  expect(result.stderr).toMatch(/^tiffin: [^\n]+\n$/)
  expect(result.stderr).toMatch(message)
  expect(result.stderr).not.toMatch(/\n\s+at /)
}

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

let work: string
let modelFile: string
const madeFolders: string[] = []

/** A fresh temporary folder, removed when the file's tests are done. */
async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tiffin-cli-'))
  madeFolders.push(folder)
  return folder
}

beforeAll(async () => {
  work = await tempFolder()
  modelFile = join(work, 'linear.onnx')
  await writeFile(modelFile, linearModel().bytes)
})

afterAll(async () => {
  await Promise.all(madeFolders.map((folder) => rm(folder, { recursive: true, force: true })))
})

describe('tiffin models, from save to delete', () => {
  let home: string

  beforeAll(async () => {
    home = await tempFolder()
  })

  it('save records labels and a batchable signature, and prints the tag last (no progress bar off a terminal)', async () => {
    const saved = await tiffin(
      home,
      'models',
      'save',
      modelFile,
      '--name',
      'linear',
      '--version',
      '1',
      '--label',
      'team=vision',
      '--label',
      'note=a=b',
      '--batchable',
      '--batch-dim',
      '1',
    )
    expect(saved).toMatchObject({ code: 0, stderr: '' })
    expect(lastLine(saved.stdout)).toBe('linear:1')

    const shown = await tiffin(home, 'models', 'show', 'linear', '--json')
    expect(shown.code).toBe(0)
    const info = JSON.parse(shown.stdout) as ModelInfo
    expect(info).toMatchObject({
      name: 'linear',
      version: '1',
      format: 'onnx',
      size: linearModel().bytes.length,
      sha256: sha256(linearModel().bytes),
      labels: { team: 'vision', note: 'a=b' },
      signatures: { run: { batchable: true, batchDim: [1, 1] } },
    })
  })

  it('save defaults to one method, run, not batchable, on axis 0; --method names another', async () => {
    const saved = await tiffin(home, 'models', 'save', modelFile, '--name', 'plain', '--method', 'predict')
    expect(saved.code).toBe(0)
    expect(lastLine(saved.stdout)).toMatch(/^plain:[0-9a-z]{16}$/)
    const listed = await tiffin(home, 'models', 'list', '--json')
    const infos = JSON.parse(listed.stdout) as ModelInfo[]
    expect(infos.map((i) => `${i.name}:${i.version}`)).toEqual(['linear:1', lastLine(saved.stdout)])
    expect(infos[1]!.signatures).toEqual({ predict: { batchable: false, batchDim: [0, 0] } })
  })

  it('list prints a table of tag, format, human size, creation time and labels', async () => {
    const listed = await tiffin(home, 'models', 'list')
    expect(listed.code).toBe(0)
    const [header, first] = listed.stdout.split('\n')
    expect(header).toMatch(/^TAG\s+FORMAT\s+SIZE\s+CREATED\s+LABELS$/)
    expect(first).toMatch(
      new RegExp(
        `^linear:1\\s+onnx\\s+${linearModel().bytes.length} B\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\s+note=a=b, team=vision$`,
      ),
    )
  })

  it('show --verify passes a good model, then fails naming the file once a byte of it is flipped', async () => {
    const good = await tiffin(home, 'models', 'show', 'linear:1', '--verify')
    expect(good.code).toBe(0)
    expect(good.stdout).toMatch(/^tag:\s+linear:1$/m)
    expect(lastLine(good.stdout)).toBe('verified: ok')

    const exported = join(work, 'linear.tiffin-model')
    const exportedResult = await tiffin(home, 'models', 'export', 'linear:1', exported)
    expect(exportedResult).toMatchObject({ code: 0, stdout: `${exported}\n` })

    const stored = join(home, 'models', 'linear', '1', 'model.onnx')
    const bytes = await readFile(stored)
    bytes[10]! ^= 0xff
    await writeFile(stored, bytes)
    const damaged = await tiffin(home, 'models', 'show', 'linear:1', '--verify')
    expect(damaged.stdout).toMatch(/verified: damaged\n\s+model\.onnx: sha256 mismatch\n$/)
    expectOneLineError(damaged, 1, /linear:1 is damaged: model\.onnx/)
  })

  it('export then import into another store gives the same bytes and sha256', async () => {
    const otherHome = await tempFolder()
    const imported = await tiffin(otherHome, 'models', 'import', join(work, 'linear.tiffin-model'))
    expect(imported).toMatchObject({ code: 0, stdout: 'linear:1\n' })
    const info = JSON.parse(await readFile(join(otherHome, 'models', 'linear', '1', 'model.json'), 'utf8')) as ModelInfo
    expect(info.sha256).toBe(sha256(linearModel().bytes))
    expect(sha256(await readFile(join(otherHome, 'models', 'linear', '1', 'model.onnx')))).toBe(info.sha256)
  })

  it('delete removes one version and prints its tag', async () => {
    const deleted = await tiffin(home, 'models', 'delete', 'linear:1')
    expect(deleted).toMatchObject({ code: 0, stdout: 'linear:1\n' })
    expect(existsSync(join(home, 'models', 'linear'))).toBe(false)
  })
})

describe('tiffin errors: one line on stderr, exit 2 for usage and bad input, 1 otherwise', () => {
  it.concurrent('a tag with upper case is refused naming the rule', async () => {
    expectOneLineError(await tiffin(work, 'models', 'show', 'Upper'), 2, /must be lower case: "Upper"/)
  })

  it.concurrent('a tag that tries to leave the store is refused naming the rule', async () => {
    expectOneLineError(
      await tiffin(work, 'models', 'save', modelFile, '--name', '../x'),
      2,
      /may hold only lower-case letters.*"\.\.\/x"/,
    )
  })

  it.concurrent('a missing model file is a failure that names the file', async () => {
    expectOneLineError(
      await tiffin(work, 'models', 'save', join(work, 'missing.onnx'), '--name', 'x'),
      1,
      /missing\.onnx: no such file/,
    )
  })

  it.concurrent('an unknown command is a usage error', async () => {
    expectOneLineError(await tiffin(work, 'modles'), 2, /unknown command 'modles'/)
  })

  it.concurrent('a missing argument is a usage error', async () => {
    expectOneLineError(await tiffin(work, 'models', 'export', 'linear'), 2, /missing required argument 'file'/)
  })
})
