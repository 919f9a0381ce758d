import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeValue, encodeValue } from '../../src/tensor/wire-format.js'
import { fileStore } from '../../src/store/fs.js'
import { linearModel } from '../fixtures/models.js'
import { predictOverHttp } from '../shared/linear-load.js'
import { right, underLoad } from '../shared/load.js'
import { serveModule, type Served } from '../support/serve-child.js'

describe('the binary tensor format of remote runners', () => {
  it('carries tensors of every width, records, typed arrays and plain values exactly', () => {
    const value = {
      x: { dtype: 'float32', dims: [2, 3], data: new Float32Array([1.5, -2, 3, 4, 5, 6.25]) },
      ids: { dtype: 'int64', dims: [3], data: new BigInt64Array([2n ** 60n, -1n, 0n]) },
      mask: { dtype: 'bool', dims: [1, 2], data: new Uint8Array([1, 0]) },
      raw: new Float64Array([Math.PI]),
      meta: { label: 'cat', scores: [0.5, 0.25], nothing: null },
    }
    const bytes = encodeValue(value)
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('TFN1')
    expect(decodeValue(bytes)).toEqual(value)
    // No tensor data is written as JSON: the header holds only shapes and references.
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + new DataView(bytes.buffer).getUint32(4, true)))
    expect(header).not.toContain('6.25')
  })

  it('refuses bytes that are not a message, or whose buffers do not fit', () => {
    expect(() => decodeValue(new TextEncoder().encode('{"x":1}'))).toThrow(/not a tiffin tensor message.*TFN1/)
    const bytes = encodeValue({ dtype: 'float32', dims: [4], data: new Float32Array(4) })
    expect(() => decodeValue(bytes.subarray(0, bytes.length - 4))).toThrow(/outside the body/)
  })
})

describe('remote runners over HTTP', () => {
  const model = linearModel()
  let home: string
  let replicas: Served[] = []
  let api: Served

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'tiffin-remote-'))
    await fileStore(home).save('linear', model.bytes, { signatures: { run: { batchable: true, batchDim: 0 } } })
    replicas = await Promise.all(
      [0, 1].map(() => serveModule('test/fixtures/services/example.ts', home, ['--runner', 'linear'])),
    )
    // The API server gets no model: its store is empty, and the runner lives on the replicas.
    const apiHome = await mkdtemp(join(tmpdir(), 'tiffin-remote-api-'))
    api = await serveModule('test/fixtures/services/example.ts', apiHome, [
      '--runner-map',
      `linear=${replicas.map((r) => r.url).join(',')}`,
    ])
  }, 60_000)

  afterAll(async () => {
    for (const served of [...replicas, api]) if (served?.child.exitCode === null) served.child.kill('SIGKILL')
    await rm(home, { recursive: true, force: true })
  })

  const itemsOn = async (replica: Served): Promise<number> => {
    const text = await (await fetch(`${replica.url}/metrics`)).text()
    return Number(/^tiffin_runner_items_total\{runner="linear",method="run"\} (\d+)/m.exec(text)?.[1] ?? 0)
  }

  it('answers 1,000 requests through two replicas, every one right, and loses none when a replica is killed mid-run', async () => {
    let secondReplicaItems = 0
    const before = await Promise.all(replicas.map(itemsOn))
    const report = await underLoad(1000, 32, async (i, signal) => {
      if (i === 400) {
        secondReplicaItems = await itemsOn(replicas[1]!)
        replicas[1]!.child.kill('SIGKILL') // mid-run, with calls in flight on it
      }
      return predictOverHttp(api.url, i, signal)
    })
    expect(report).toEqual({ right: 1000, refused: {}, problems: [] })
    // Both replicas served: the second until it was killed, the first all along.
    expect(secondReplicaItems - before[1]!).toBeGreaterThan(0)
    expect((await itemsOn(replicas[0]!)) - before[0]!).toBeGreaterThan(0)
    // The API server is healthy afterwards, on the replica left.
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200)
    expect(await predictOverHttp(api.url, 5000, AbortSignal.timeout(10_000))).toEqual(right)
  }, 120_000)
})
