import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { InlineConfig, Plugin } from 'vite'
import type { AppShell, BrowserAppOptions } from './app/options.js'
import { loadVite } from './load-vite.js'

const APP = (file: string): string => fileURLToPath(new URL(`./app/${file}`, import.meta.url))
// From sources the templates are TypeScript; installed, they are compiled JavaScript beside this module.
const APP_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'

export interface BrowserBundleOptions extends BrowserAppOptions {
  readonly serviceModule: string
  /** The bento's version, for the Service Worker's cache. */
  readonly version: string
  readonly title: string
  readonly description: string
  readonly apis: readonly { readonly name: string; readonly route: string; readonly doc?: string }[]
}

/** The built page, Service Worker and workers import the service and their settings from these modules. */
function appModules(options: BrowserBundleOptions, shell?: AppShell): Plugin {
  const settings: BrowserAppOptions = { prefix: options.prefix, runners: options.runners }
  return {
    name: 'tiffin:app-modules',
    resolveId(source) {
      if (source === 'virtual:tiffin/service') return options.serviceModule
      if (source === 'virtual:tiffin/options') return '\0tiffin-options'
      if (source === 'virtual:tiffin/shell') return '\0tiffin-shell'
    },
    load(id) {
      if (id === '\0tiffin-options') return `export default ${JSON.stringify(settings)}`
      if (id === '\0tiffin-shell')
        return `export default ${JSON.stringify(shell ?? { version: options.version, files: [] })}`
    },
  }
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function indexHtml(options: BrowserBundleOptions, pageScript: string): string {
  const apis = options.apis
    .map(
      (api) =>
        `<li><code>POST ${escapeHtml(options.prefix)}${escapeHtml(api.route)}</code>${api.doc ? ` — ${escapeHtml(api.doc)}` : ''}</li>`,
    )
    .join('\n      ')
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(options.title)}</title>
    <link rel="icon" href="data:," />
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
      code { background: #f3f3f3; padding: 0 0.25em; border-radius: 3px; }
      #error { color: #b00020; }
    </style>
  </head>
  <body>
    <h1>${escapeHtml(options.title)}</h1>
    <p>${escapeHtml(options.description)}</p>
    <ul>
      <li id="models">Models: …</li>
      <li id="sw">Service Worker: …</li>
      <li id="runners">Runners: …</li>
    </ul>
    <p id="error"></p>
    <h2>APIs</h2>
    <ul>
      ${apis}
    </ul>
    <p>Their OpenAPI documentation: <a href="${escapeHtml(options.prefix)}/docs">${escapeHtml(options.prefix)}/docs</a> (answered by the Service Worker, offline too).</p>
    <script type="module" src="${escapeHtml(pageScript)}"></script>
  </body>
</html>
`
}

/**
 * Builds the browser side of a bento into `outDir` with Vite: `index.html` and its page script, the Web
 * Worker that runs runnables, `sw.js`, and onnxruntime-web's files, all with relative URLs, so the folder
 * works wherever it is served from.
 */
export async function bundleForBrowser(options: BrowserBundleOptions, outDir: string): Promise<void> {
  const { build } = await loadVite()
  const root = await mkdtemp(join(tmpdir(), 'tiffin-page-'))
  try {
    await writeFile(join(root, 'index.html'), indexHtml(options, relative(root, APP(`page${APP_EXT}`))))
    // Errors only: the warnings are about tiffin's own chunking (the worker loads onnxruntime-web up front), not the service.
    const common: InlineConfig = {
      configFile: false,
      logLevel: 'error',
      base: './',
      publicDir: false,
      plugins: [appModules(options)],
    }
    await build({
      ...common,
      root,
      worker: { format: 'es', plugins: () => [appModules(options)] },
      build: { outDir, emptyOutDir: false, target: 'es2022', chunkSizeWarningLimit: 4096 },
    })
    // What the page build wrote, for the Service Worker to keep (the folder held nothing else under assets/).
    const files = [
      'index.html',
      'bento.json',
      ...(await readdir(join(outDir, 'assets'))).map((file) => `assets/${file}`),
    ]
    // A Service Worker cannot import() chunks: one file, at the folder's top so its scope covers the page.
    await build({
      ...common,
      plugins: [appModules(options, { version: options.version, files })],
      root,
      build: {
        outDir,
        emptyOutDir: false,
        target: 'es2022',
        copyPublicDir: false,
        chunkSizeWarningLimit: 4096,
        rolldownOptions: {
          input: { sw: APP(`sw${APP_EXT}`) },
          output: { format: 'es', entryFileNames: '[name].js', codeSplitting: false },
        },
      },
    })
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}
