// Fills in, in every bundle Vite builds (pages, workers, the Service Worker), the two modules of tiffin
// that a bundle must supply: where onnxruntime-web's files are served, and the app's own runnables.
import { readFile } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { glob } from 'tinyglobby'
import type { Plugin } from 'vite'

export interface BundleState {
  root: string
  outDir: string
  /** Runnable modules named in the options, relative to the root; else found by scanning. */
  readonly runnables: readonly string[] | undefined
}

// From sources (tests) tiffin's modules are TypeScript; installed, compiled JavaScript.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const posix = (path: string): string => path.split('\\').join('/')
const own = (path: string): string => posix(fileURLToPath(new URL(`../${path}${EXT}`, import.meta.url)))
const ONNX_FILES = own('adapters/web/bundled-onnx-files')
const RUNNABLES = own('adapters/browser/bundled-runnables')
const TIFFIN_DIR = posix(fileURLToPath(new URL('../', import.meta.url)))

const ONNX_FILES_CODE = `import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url'
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url'
export const BUNDLED_ONNX_FILES = { wasmUrl, mjsUrl }
`

const DEFINES_RUNNABLE = /\bdefineRunnable\s*[<(]/

/** The app's source files that define runnables: named in the options, or found under the root. */
export async function runnableModules(state: BundleState): Promise<string[]> {
  if (state.runnables) return state.runnables.map((file) => posix(isAbsolute(file) ? file : resolve(state.root, file)))
  const outDir = posix(relative(state.root, resolve(state.root, state.outDir)))
  const files = await glob(['**/*.{ts,tsx,mts,js,jsx,mjs}'], {
    cwd: state.root,
    absolute: true,
    ignore: ['**/node_modules/**', '**/*.d.ts', `${outDir}/**`, '.git/**'],
  })
  const found: string[] = []
  for (const file of files.sort()) {
    if (posix(file).startsWith(TIFFIN_DIR)) continue
    if (DEFINES_RUNNABLE.test(await readFile(file, 'utf8'))) found.push(posix(file))
  }
  return found
}

async function runnablesCode(state: BundleState): Promise<string> {
  const modules = await runnableModules(state)
  const imports = modules.map((file, i) => `import * as m${i} from ${JSON.stringify(file)}`)
  return [
    ...imports,
    `import { runnablesIn } from ${JSON.stringify(own('runner/registry'))}`,
    // Read when a worker starts, not when this module is evaluated: the modules import tiffin, which imports this.
    `export const bundledRunnables = () => runnablesIn([${modules.map((_, i) => `m${i}`).join(', ')}])`,
    '',
  ].join('\n')
}

const withoutQuery = (id: string): string => posix(id.split('?')[0]!)

export function bundledModules(state: BundleState): Plugin {
  return {
    name: 'tiffin-serve:bundled-modules',
    async load(id) {
      const file = withoutQuery(id)
      if (file === ONNX_FILES) return ONNX_FILES_CODE
      if (file === RUNNABLES) return runnablesCode(state)
      return undefined
    },
    configureServer(server) {
      // A runnable added or changed while the dev server runs reaches workers started after it.
      const refresh = (file: string): void => {
        if (!/\.(ts|tsx|mts|js|jsx|mjs)$/.test(file) || posix(file).startsWith(TIFFIN_DIR)) return
        for (const module of server.moduleGraph.getModulesByFile(RUNNABLES) ?? [])
          server.moduleGraph.invalidateModule(module)
      }
      server.watcher.on('add', refresh)
      server.watcher.on('change', refresh)
    },
  }
}
