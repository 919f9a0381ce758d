import { describe, expect, it } from 'vitest'
import type { IoSpec } from '../../src/onnx/feeds.js'
import {
  batchedNames,
  padAlong,
  padBatch,
  paddedBatchSize,
  sliceAlong,
  unpadOutputs,
  warmupFeeds,
} from '../../src/onnx/padding.js'
import { tensor } from '../../src/tensor/tensor.js'

const iota = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i + 1)

describe('paddedBatchSize', () => {
  it('picks the smallest warmed size that holds the batch', () => {
    expect(paddedBatchSize(1, [1, 2, 4, 8])).toBe(1)
    expect(paddedBatchSize(3, [1, 2, 4, 8])).toBe(4)
    expect(paddedBatchSize(5, [8, 4, 2, 1])).toBe(8)
  })

  it('leaves a batch larger than every warmed size as it is', () => {
    expect(paddedBatchSize(9, [1, 2, 4, 8])).toBe(9)
    expect(paddedBatchSize(3, [])).toBe(3)
  })
})

describe('padAlong and sliceAlong', () => {
  it('pads axis 0 with zero rows and slices them off again', () => {
    const t = tensor('float32', [2, 3], iota(6))
    const padded = padAlong(t, 0, 4)
    expect(padded.dims).toEqual([4, 3])
    expect(Array.from(padded.data)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0])
    const back = sliceAlong(padded, 0, 2)
    expect(back.dims).toEqual([2, 3])
    expect(back.data).toEqual(t.data)
  })

  it('pads an inner axis inside every outer slab', () => {
    // [T=2, N=2, 2] padded to N=3: each time step gets one zero row.
    const t = tensor('float32', [2, 2, 2], iota(8))
    const padded = padAlong(t, 1, 3)
    expect(padded.dims).toEqual([2, 3, 2])
    expect(Array.from(padded.data)).toEqual([1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0])
    expect(Array.from(sliceAlong(padded, 1, 2).data)).toEqual(Array.from(t.data))
  })

  it('works for int64 and the last axis, and gives the slice a buffer of its own', () => {
    const t = tensor('int64', [2, 2], BigInt64Array.of(1n, 2n, 3n, 4n))
    const padded = padAlong(t, 1, 3)
    expect(Array.from(padded.data)).toEqual([1n, 2n, 0n, 3n, 4n, 0n])
    const sliced = sliceAlong(padded, 1, 2)
    expect(sliced.data).toEqual(t.data)
    expect(sliced.data.buffer).not.toBe(padded.data.buffer)
  })

  it('returns the tensor itself when it already has the size, and refuses a bad axis', () => {
    const t = tensor('float32', [2, 3], iota(6))
    expect(padAlong(t, 0, 2)).toBe(t)
    expect(() => padAlong(t, 2, 4)).toThrow(RangeError)
    expect(() => padAlong(t, 0, 1)).toThrow(/Cannot pad axis 0 of \[2, 3\] down to 1/)
  })
})

const along0 = (...names: string[]): Map<string, number> => new Map(names.map((name) => [name, 0]))

describe('padBatch and unpadOutputs', () => {
  const feeds = {
    a: tensor('float32', [3, 2], iota(6)),
    b: tensor('int64', [3, 1], BigInt64Array.of(7n, 8n, 9n)),
    scale: tensor('float32', [1], Float32Array.of(2)),
  }

  it('pads every batched input to the next warmed size and slices batched outputs back', () => {
    const { feeds: padded, padding } = padBatch(feeds, along0('a', 'b'), [1, 2, 4, 8])
    expect(padding).toEqual({ batch: 3, paddedTo: 4 })
    expect(padded.a!.dims).toEqual([4, 2])
    expect(padded.b!.dims).toEqual([4, 1])
    expect(padded.scale).toBe(feeds.scale) // not batched: untouched
    const outputs = { y: tensor('float32', [4, 2], iota(8)), total: tensor('float32', [4], iota(4)) }
    const back = unpadOutputs(outputs, along0('y'), padding)
    expect(back.y!.dims).toEqual([3, 2])
    expect(back.y!.data).toEqual(Float32Array.of(1, 2, 3, 4, 5, 6))
    expect(back.total).toBe(outputs.total) // not declared batched: untouched
  })

  it('pads and unpads each batched tensor along its own axis when the axes are given by name', () => {
    const named = {
      input: tensor('float32', [3, 2], iota(6)),
      state: tensor('float32', [2, 3, 1], iota(6)),
      sr: tensor('int64', [], BigInt64Array.of(16000n)),
    }
    const { feeds: padded, padding } = padBatch(
      named,
      new Map([
        ['input', 0],
        ['state', 1],
      ]),
      [4],
    )
    expect(padding).toEqual({ batch: 3, paddedTo: 4 })
    expect(padded.input!.dims).toEqual([4, 2])
    expect(padded.state!.dims).toEqual([2, 4, 1])
    expect(padded.sr).toBe(named.sr)
    const outputs = { output: tensor('float32', [4, 1], iota(4)), stateN: tensor('float32', [2, 4, 1], iota(8)) }
    const back = unpadOutputs(
      outputs,
      new Map([
        ['output', 0],
        ['stateN', 1],
      ]),
      padding,
    )
    expect(back.output!.data).toEqual(Float32Array.of(1, 2, 3))
    expect(back.stateN!.dims).toEqual([2, 3, 1])
    expect(back.stateN!.data).toEqual(Float32Array.of(1, 2, 3, 5, 6, 7))
  })

  it('does nothing when the batch is already a warmed size, or the inputs disagree on it', () => {
    expect(padBatch(feeds, along0('a', 'b'), [3]).padding).toBeUndefined()
    const disagree = { ...feeds, b: tensor('int64', [2, 1], BigInt64Array.of(1n, 2n)) }
    const result = padBatch(disagree, along0('a', 'b'), [4])
    expect(result.padding).toBeUndefined()
    expect(result.feeds).toBe(disagree)
    const outputs = { y: tensor('float32', [1], iota(1)) }
    expect(unpadOutputs(outputs, along0('y'), undefined)).toBe(outputs)
  })
})

describe('batchedNames and warmupFeeds', () => {
  const specs: IoSpec[] = [
    { name: 'x', dtype: 'float32', dims: ['T', 'N', 8] },
    { name: 'mask', dtype: 'bool', dims: [3, 8] },
    { name: 'ids', dtype: 'int64', dims: ['T', null] },
  ]

  it('treats inputs whose dim at the batch axis is not fixed as batched', () => {
    expect([...batchedNames(specs, 1).keys()]).toEqual(['x', 'ids'])
    expect([...batchedNames(specs, 0).keys()]).toEqual(['x', 'ids'])
    expect([...batchedNames([{ name: 'u', dtype: 'float32', dims: undefined }], 0).keys()]).toEqual([])
    expect([...batchedNames(specs, { x: 1, ids: 0 })]).toEqual([
      ['x', 1],
      ['ids', 0],
    ])
  })

  it('makes zero inputs with the batch size on the batch axis and 1 for other free dims', () => {
    const feeds = warmupFeeds(specs, batchedNames(specs, 1), 4)!
    expect(feeds.x!.dims).toEqual([1, 4, 8])
    expect(feeds.mask!.dims).toEqual([3, 8])
    expect(feeds.mask!.dtype).toBe('bool')
    expect(feeds.ids!.dims).toEqual([1, 4])
    expect(feeds.ids!.data).toBeInstanceOf(BigInt64Array)
    expect(feeds.x!.data.every((v) => v === 0)).toBe(true)
  })

  it('gives up when a shape is unknown', () => {
    expect(warmupFeeds([{ name: 'u', dtype: 'float32', dims: undefined }], new Map(), 2)).toBeUndefined()
  })
})
