// Serves a folder as plain static files over HTTP on 127.0.0.1, as any web host would: no tiffin in it.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
}

export interface StaticServer {
  readonly url: string
  /** Stops answering and drops every open connection: the network to this host is gone. */
  close(): Promise<void>
}

export async function serveStatic(folder: string): Promise<StaticServer> {
  const root = normalize(folder)
  const server: Server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)))
    if (!path.startsWith(root)) return void res.writeHead(403).end()
    const file = path.endsWith(sep) ? join(path, 'index.html') : path
    stat(file).then(
      (info) => {
        if (!info.isFile()) return void res.writeHead(404).end()
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-length': info.size,
        })
        createReadStream(file).pipe(res)
      },
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
