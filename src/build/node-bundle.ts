import { relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin, Rollup } from 'vite'
import { PACKAGE_NAME } from '../package-info.js'
import { loadVite } from './load-vite.js'

/** tiffin's own folder (src/ from sources, dist/src/ when installed): code in it is tiffin, never bundled. */
export const TIFFIN_DIR = fileURLToPath(new URL('../', import.meta.url))

const PUBLIC_ENTRIES: Readonly<Record<string, string>> = {
  index: PACKAGE_NAME,
  node: `${PACKAGE_NAME}/node`,
  browser: `${PACKAGE_NAME}/browser`,
  'service-worker': `${PACKAGE_NAME}/service-worker`,
  client: `${PACKAGE_NAME}/client`,
}

/**
 * Leaves tiffin out of a Node bundle: imports of `tiffin-serve` stay as they are, and imports of tiffin's own
 * files (a service inside tiffin's repository imports `../src/index.js`) become imports of its public entries.
 * `tiffin serve` provides tiffin to the bundle where it runs.
 */
function tiffinExternal(): Plugin {
  return {
    name: 'tiffin:external',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source === PACKAGE_NAME || source.startsWith(`${PACKAGE_NAME}/`)) return { id: source, external: true }
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
      if (!resolved || !resolved.id.startsWith(TIFFIN_DIR)) return resolved
      const entry =
        PUBLIC_ENTRIES[
          relative(TIFFIN_DIR, resolved.id)
            .replace(/\.[cm]?[jt]s$/, '')
            .split(sep)
            .join('/')
        ]
      if (!entry)
        this.error(
          `${importer ?? 'The service'} imports ${source}, a file inside tiffin; import from "${PACKAGE_NAME}" or "${PACKAGE_NAME}/node" instead`,
        )
      return { id: entry, external: true }
    },
  }
}

/**
 * Bundles the service for Node into `outDir`, one output file per source module: a runnable keeps its module
 * and export name, so a worker can import it by the URL the runnable gives. Returns the entry's file name.
 */
export async function bundleForNode(serviceModule: string, root: string, outDir: string): Promise<string> {
  const { build } = await loadVite()
  const output = (await build({
    configFile: false,
    logLevel: 'warn',
    root,
    plugins: [tiffinExternal()],
    ssr: { noExternal: true, external: ['onnxruntime-node'] },
    build: {
      ssr: serviceModule,
      outDir,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      rollupOptions: {
        output: {
          format: 'es',
          preserveModules: true,
          preserveModulesRoot: root,
          entryFileNames: '[name].mjs',
          chunkFileNames: '[name].mjs',
        },
      },
    },
  })) as Rollup.RollupOutput
  const entry = output.output.find((chunk): chunk is Rollup.OutputChunk => chunk.type === 'chunk' && chunk.isEntry)
  if (!entry) throw new Error('The Node bundle has no entry chunk')
  return entry.fileName
}
