// The runtime a bento's image installs: this very tiffin-serve, packed into the bento, and a lockfile that
// pins every package, so `npm ci` in the image needs no registry copy of tiffin-serve and installs the same
// packages every time.
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PACKAGE_NAME, packageRoot } from '../package-info.js'

const run = promisify(execFile)
// From sources (tsx) there is no compiled tiffin to pack: it is compiled into a scratch folder first.
const fromSources = import.meta.url.endsWith('.ts')

/** The folder in a bento that holds the packed runtime. */
export const RUNTIME_DIR = 'runtime'

/** Runs npm with the environment of the command that started tiffin, less what ties npm to that project. */
async function npm(args: readonly string[], cwd: string): Promise<string> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_(package_|lifecycle_|config_local_prefix$)/.test(key)),
  )
  try {
    const { stdout } = await run('npm', args, { cwd, env, maxBuffer: 64 << 20, shell: process.platform === 'win32' })
    return stdout
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string }
    const why =
      (stderr ?? '')
        .split('\n')
        .filter((line) => /npm (error|ERR!)/.test(line))
        .slice(0, 3)
        .join(' ') || message
    throw new Error(`npm ${args[0]} failed in ${cwd}: ${why}`)
  }
}

/** A folder holding tiffin-serve as its package lists it: the package itself, or, from sources, a fresh compile. */
async function packageFolder(scratch: string): Promise<string> {
  const root = packageRoot()
  if (!fromSources) return root
  await run(join(root, 'node_modules', '.bin', 'tsc'), [
    '-p',
    join(root, 'tsconfig.build.json'),
    '--outDir',
    join(scratch, 'dist'),
  ])
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<string, unknown>
  delete manifest.scripts
  delete manifest.devDependencies
  await writeFile(join(scratch, 'package.json'), JSON.stringify(manifest, null, 2))
  for (const file of ['README.md', 'LICENSE']) await copyFile(join(root, file), join(scratch, file))
  return scratch
}

/** Packs this tiffin-serve into `<bento>/runtime/`; returns the tarball's path relative to the bento. */
export async function packRuntime(bento: string): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'tiffin-runtime-'))
  try {
    await mkdir(join(bento, RUNTIME_DIR), { recursive: true })
    const folder = await packageFolder(scratch)
    const out = await npm(
      ['pack', folder, '--ignore-scripts', '--json', '--pack-destination', join(bento, RUNTIME_DIR)],
      scratch,
    )
    const [packed] = JSON.parse(out) as { filename: string }[]
    if (!packed) throw new Error(`npm pack wrote no ${PACKAGE_NAME} tarball`)
    return `${RUNTIME_DIR}/${packed.filename}`
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/** Writes `package-lock.json` beside the bento's package.json, resolving (not installing) every package. */
export async function writeLockfile(bento: string): Promise<void> {
  await npm(
    ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
    bento,
  )
}
