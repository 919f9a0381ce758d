// The app's Service Worker: served as a module in dev, built into one file in the build. A Service
// Worker cannot `import()`, so the build gives it no chunks to load; it is built after the page.
import { resolve } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'
import { bundledModules, type BundleState } from './bundled-modules.js'

export function serviceWorkerPlugin(entry: string, file: string, state: BundleState): Plugin {
  let config: ResolvedConfig
  const path = (): string => `${config.base.replace(/\/?$/, '/')}${file}`
  return {
    name: 'tiffin-serve:service-worker',
    configResolved(resolved) {
      config = resolved
    },
    configureServer(server) {
      // A module Service Worker may import statically: the dev server serves the module and its imports.
      const source = `/${resolve(config.root, entry)
        .slice(config.root.length + 1)
        .split('\\')
        .join('/')}`
      server.middlewares.use((request, response, next) => {
        if (request.method !== 'GET' || request.url?.split('?')[0] !== path()) return next()
        response.setHeader('content-type', 'text/javascript; charset=utf-8')
        response.setHeader('cache-control', 'no-cache')
        response.end(`import ${JSON.stringify(source)}\n`)
      })
    },
    async writeBundle() {
      if (config.command !== 'build' || (this.environment && this.environment.name !== 'client')) return
      const { build } = await import('vite')
      await build({
        configFile: false,
        root: config.root,
        base: config.base,
        mode: config.mode,
        logLevel: config.logLevel,
        define: config.define,
        resolve: { alias: config.resolve.alias },
        publicDir: false,
        plugins: [bundledModules(state)],
        build: {
          outDir: config.build.outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          sourcemap: config.build.sourcemap,
          minify: config.build.minify,
          rolldownOptions: {
            input: { [file.replace(/\.[^.]+$/, '')]: resolve(config.root, entry) },
            output: { format: 'es', entryFileNames: file, codeSplitting: false },
          },
        },
      })
    },
  }
}
