// The layers of src/ and what each may import (the README's Layout says the same): a core that knows
// nothing of the runtime, one folder per runtime above it, and no import from a layer back down to one above.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = new URL('../../src/', import.meta.url).pathname
// telemetry: the logger, tracing and metric seams every layer above reports through (it imports nothing).
const CORE = ['errors', 'tag', 'defaults', 'batch-axes', 'tensor', 'telemetry']
const RUNTIME_FREE = [...CORE, 'store', 'batching', 'runner', 'onnx', 'io', 'service']

/** Per layer, the layers it may import from (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  defaults: [],
  'batch-axes': [],
  'package-info': [],
  telemetry: [],
  tag: ['errors'],
  tensor: ['errors'],
  store: ['errors', 'tag', 'defaults', 'batch-axes'],
  batching: ['errors', 'defaults', 'batch-axes', 'tensor', 'telemetry'],
  runner: [...CORE, 'store', 'batching'],
  onnx: [...CORE, 'store', 'batching', 'runner'],
  io: [...CORE],
  service: [...CORE, 'store', 'batching', 'runner', 'io'],
  client: [...CORE, 'io', 'service'],
  'adapters/web': RUNTIME_FREE,
  'adapters/browser': [...RUNTIME_FREE, 'adapters/web'],
  'adapters/service-worker': [...RUNTIME_FREE, 'adapters/web'],
  'adapters/node': [...RUNTIME_FREE, 'package-info'],
  build: [
    ...RUNTIME_FREE,
    'client',
    'package-info',
    'adapters/web',
    'adapters/browser',
    'adapters/service-worker',
    'adapters/node',
  ],
  cli: [...RUNTIME_FREE, 'package-info', 'adapters/node', 'build'],
  // The entry points only re-export.
  index: [...RUNTIME_FREE, 'client'],
  node: ['index', 'adapters/node', 'build'],
  browser: ['index', 'adapters/browser'],
  'service-worker': ['index', 'adapters/service-worker'],
  // The Vite plugin runs in Vite's Node process: it reads tiffin's files, never imports them.
  vite: ['package-info'],
}
function layerOf(file: string): string {
  const parts = relative(SRC, file).split('/')
  if (parts.length === 1) return parts[0]!.replace(/\.[jt]s$/, '')
  if (parts[0] === 'adapters') return `adapters/${parts[1]}`
  return parts[0]!
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

describe('the layers of src/', () => {
  const files = sources(SRC)

  it('every file belongs to a known layer', () => {
    expect(files.map(layerOf).filter((layer) => !(layer in ALLOWED))).toEqual([])
  })

  it('no layer imports from one it may not (the core knows nothing of runtimes, adapters nothing of each other)', () => {
    const wrong: string[] = []
    for (const file of files) {
      const from = layerOf(file)
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const to = layerOf(normalize(join(dirname(file), match[1]!)))
        if (to !== from && !ALLOWED[from]!.includes(to))
          wrong.push(`${relative(SRC, file)} imports ${match[1]} (${from} → ${to})`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('nothing outside adapters/ and the file and IndexedDB stores imports a Node built-in or a runtime-only package', () => {
    const runtimeOnly = /from '(node:[^']+|onnxruntime-node|onnxruntime-web|@hono\/node-server|idb)'/
    const allowedFiles = new Set(['store/fs.ts', 'store/idb.ts'])
    const found = files
      .filter((f) => RUNTIME_FREE.includes(layerOf(f)) && !allowedFiles.has(relative(SRC, f)))
      .filter((f) => runtimeOnly.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
    expect(found).toEqual([])
  })
})
