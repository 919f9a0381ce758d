import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  countItems,
  compatibilityKey,
  joinItems,
  mergeItems,
  sliceItems,
  splitItems,
} from '../../src/batching/merge.js'
import { BadInput } from '../../src/errors.js'
import { allocate, elementCount, type DType, type Tensor, type TypedArray } from '../../src/tensor/tensor.js'

/** A tensor whose elements are scrambled from `seed`, so that a misplaced element shows. */
function filled<D extends DType>(dtype: D, dims: readonly number[], seed = 0): Tensor<D> {
  const data = allocate(dtype, elementCount(dims))
  for (let k = 0; k < data.length; k++) {
    const bits = (Math.imul(k + 1, 2654435761) + seed) | 0
    if (data instanceof BigInt64Array || data instanceof BigUint64Array)
      data[k] = BigInt.asIntN(64, BigInt(bits) << 20n)
    else (data as Float64Array)[k] = dtype === 'bool' ? bits & 1 : bits / 7
  }
  return { dtype, dims: [...dims], data }
}

/** Slices by index arithmetic, one element at a time: an oracle independent of the block copies. */
function referenceSlice<D extends DType>(t: Tensor<D>, axis: number, start: number, end: number): Tensor<D> {
  const dims = t.dims.map((d, i) => (i === axis ? end - start : d))
  const data = allocate(t.dtype, elementCount(dims))
  const inner = elementCount(t.dims.slice(axis + 1))
  for (let k = 0; k < data.length; k++) {
    const outer = Math.floor(k / (inner * dims[axis]!))
    const item = Math.floor(k / inner) % dims[axis]!
    ;(data as Float64Array)[k] = (t.data as Float64Array)[(outer * t.dims[axis]! + start + item) * inner + (k % inner)]!
  }
  return { dtype: t.dtype, dims, data }
}

const offsets = (counts: readonly number[]): number[] =>
  counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0))

function expectSeparateBuffers(values: readonly TypedArray[]): void {
  expect(new Set(values.map((data) => data.buffer)).size).toBe(values.length)
}

describe('merging and splitting a batch', () => {
  it.each([0, 1, 2])('tensors merged along axis %i of a rank-3 tensor split back into the same tensors', (axis) => {
    const pieces = [1, 3, 2].map((n, seed) =>
      filled(
        'float32',
        [2, 3, 4].map((d, i) => (i === axis ? n : d)),
        seed,
      ),
    )
    const merged = mergeItems(pieces, axis)
    expect(merged.dims[axis]).toBe(6)
    expect(splitItems(merged, axis, [1, 3, 2])).toEqual(pieces)
  })

  it('a worked example on axis 1: each outer row holds the first input’s items, then the second’s', () => {
    const a: Tensor = { dtype: 'int32', dims: [2, 1, 3], data: Int32Array.from([1, 2, 3, 4, 5, 6]) }
    const b: Tensor = { dtype: 'int32', dims: [2, 2, 3], data: Int32Array.from({ length: 12 }, (_, k) => 10 + k) }
    const merged = mergeItems([a, b], 1)
    expect(merged.dims).toEqual([2, 3, 3])
    // prettier-ignore
    expect(merged.data).toEqual(Int32Array.from([
      1, 2, 3, 10, 11, 12, 13, 14, 15,
      4, 5, 6, 16, 17, 18, 19, 20, 21,
    ]))
    expect(splitItems(merged, 1, [1, 2])).toEqual([a, b])
  })

  it('records merge and split name by name, whatever order their keys come in', () => {
    const first = { ids: filled('int64', [2, 5]), mask: filled('bool', [2, 5], 1) }
    const second = { mask: filled('bool', [3, 5], 2), ids: filled('int64', [3, 5], 3) }
    const merged = mergeItems<Readonly<Record<string, Tensor>>>([first, second], 0)
    expect(Object.keys(merged)).toEqual(['ids', 'mask'])
    expect(merged.ids!.dims).toEqual([5, 5])
    const [back1, back2] = splitItems(merged, 0, [2, 3])
    expect(back1).toEqual(first)
    expect(back2).toEqual({ ids: second.ids, mask: second.mask })
  })

  it('plain arrays concatenate their rows and split back into the same rows', () => {
    const merged = mergeItems(
      [
        [{ text: 'a' }],
        [
          [1, 2],
          [3, 4],
        ],
        ['c'],
      ],
      0,
    )
    expect(merged).toEqual([{ text: 'a' }, [1, 2], [3, 4], 'c'])
    expect(splitItems(merged, 0, [1, 2, 1])).toEqual([
      [{ text: 'a' }],
      [
        [1, 2],
        [3, 4],
      ],
      ['c'],
    ])
  })

  it('bare typed arrays merge as 1-D tensors and keep their type, int64 included', () => {
    const merged = mergeItems([BigInt64Array.of(1n, -2n), BigInt64Array.of(3n ** 40n)], 0)
    expect(merged).toEqual(BigInt64Array.of(1n, -2n, 3n ** 40n))
    expect(splitItems(merged, 0, [2, 1])).toEqual([BigInt64Array.of(1n, -2n), BigInt64Array.of(3n ** 40n)])
    expect(mergeItems([Float32Array.of(0.5), Float32Array.of(1.5)], 0)).toEqual(Float32Array.of(0.5, 1.5))
  })

  it('merging a single value still copies it, so the caller’s buffer is never the one transferred', () => {
    const input = filled('float32', [3, 2])
    const merged = mergeItems([input], 0)
    expect(merged).toEqual(input)
    expect(merged.data.buffer).not.toBe(input.data.buffer)
    const typed = Uint8Array.of(1, 2, 3)
    expect(mergeItems([typed], 0).buffer).not.toBe(typed.buffer)
  })

  it('split pieces share no buffer with each other nor with the batch output', () => {
    const output = filled('float32', [6, 2])
    const pieces = splitItems(output, 0, [1, 2, 3])
    expectSeparateBuffers([output.data, ...pieces.map((p) => p.data)])
  })

  it('a slice is a copy: writing to it leaves the original alone', () => {
    const original = filled('int32', [4, 2])
    const slice = sliceItems(original, 0, 1, 3)
    slice.data[0] = 12345
    expect(original.data[2]).not.toBe(12345)
    expect(slice.data.buffer).not.toBe(original.data.buffer)
  })

  it('a tensor with an empty dim other than the batch axis merges and splits to empty tensors', () => {
    const pieces = [filled('float32', [2, 0]), filled('float32', [1, 0])]
    const merged = mergeItems(pieces, 0)
    expect(merged.dims).toEqual([3, 0])
    expect(splitItems(merged, 0, [2, 1])).toEqual(pieces)
  })
})

describe('compatibility keys', () => {
  const base = filled('float32', [2, 3, 4])
  const reshaped = (dims: number[], dtype: DType = 'float32'): Tensor => filled(dtype, dims)

  it('are equal for inputs that differ only in their batch size', () => {
    expect(compatibilityKey(reshaped([7, 3, 4]), 0)).toBe(compatibilityKey(base, 0))
    expect(compatibilityKey(reshaped([2, 9, 4]), 1)).toBe(compatibilityKey(base, 1))
    expect(compatibilityKey({ b: reshaped([5, 2]), a: reshaped([5]) }, 0)).toBe(
      compatibilityKey({ a: reshaped([1]), b: reshaped([1, 2]) }, 0),
    )
    expect(compatibilityKey([1, 2, 3], 0)).toBe(compatibilityKey([['x']], 0))
    expect(compatibilityKey(Float32Array.of(1), 0)).toBe(compatibilityKey(new Float32Array(9), 0))
  })

  it.each<[string, unknown]>([
    ['another dtype', reshaped([2, 3, 4], 'int32')],
    ['another non-batch dim', reshaped([2, 3, 5])],
    ['another rank', reshaped([2, 3, 4, 1])],
    ['a record of it', { x: base }],
    ['its data as a bare typed array', base.data],
    ['an array', [1, 2]],
  ])('differ for %s', (_, other) => {
    expect(compatibilityKey(other, 0)).not.toBe(compatibilityKey(base, 0))
  })

  it('differ for records with other names or other shapes under one name', () => {
    const record = { a: reshaped([2, 3]), b: reshaped([2]) }
    expect(compatibilityKey({ a: reshaped([2, 3]), c: reshaped([2]) }, 0)).not.toBe(compatibilityKey(record, 0))
    expect(compatibilityKey({ a: reshaped([2, 3]) }, 0)).not.toBe(compatibilityKey(record, 0))
    expect(compatibilityKey({ a: reshaped([2, 4]), b: reshaped([2]) }, 0)).not.toBe(compatibilityKey(record, 0))
  })

  it('are checked by mergeItems, which refuses values of different keys', () => {
    expect(() => mergeItems<unknown>([base, reshaped([2, 3, 5])], 0)).toThrow(
      /one compatibility key.*\[\*, 3, 4\].*\[\*, 3, 5\]/,
    )
  })
})

describe('counting items', () => {
  it('counts along the batch axis for every kind of value', () => {
    expect(countItems(filled('uint8', [2, 5, 3]), 1)).toBe(5)
    expect(countItems({ a: filled('bool', [4]), b: filled('int64', [4, 2]) }, 0)).toBe(4)
    expect(
      countItems(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        0,
      ),
    ).toBe(3)
    expect(countItems(new Uint16Array(7), 0)).toBe(7)
  })

  it.each<[string, unknown, number, RegExp]>([
    [
      'an axis beyond the rank',
      filled('float32', [2, 3]),
      2,
      /batchDim 2 is out of range for the tensor of rank 2 \(dims \[2, 3\]\); expected an axis from 0 to 1/,
    ],
    ['a scalar', filled('float32', []), 0, /scalar \(rank 0\).*expected a tensor of rank 1 or more/],
    ['a negative axis', filled('float32', [2]), -1, /batchDim must be a non-negative integer, got -1/],
    ['a record whose tensor lacks the axis', { x: filled('float32', [2]) }, 1, /out of range for "x" of rank 1/],
    [
      'a record whose tensors disagree',
      { a: filled('float32', [2, 3]), b: filled('int32', [3]) },
      0,
      /same number of items along batchDim 0, but "a" has 2, "b" has 3/,
    ],
    [
      'an array batched along axis 1',
      [
        [1, 2],
        [3, 4],
      ],
      1,
      /plain array batches along axis 0.*batchDim is 1/,
    ],
    ['a typed array batched along axis 1', new Float32Array(4), 1, /Float32Array is 1-D and batches along axis 0/],
    [
      'a tensor whose data does not match its dims',
      { dtype: 'float32', dims: [2, 2], data: new Float32Array(3) },
      0,
      /dims \[2, 2\] holds 4 elements, but its data has 3/,
    ],
    ['a record holding something else', { a: filled('float32', [2]), b: 'text' }, 0, /"b" is not a tensor/],
    ['an empty record', {}, 0, /empty record/],
    ['a number', 42, 0, /Cannot batch a number; expected a tensor/],
  ])('refuses %s with BadInput saying what was wrong and what was expected', (_, value, axis, message) => {
    expect(() => countItems(value, axis)).toThrow(BadInput)
    expect(() => countItems(value, axis)).toThrow(message)
  })
})

describe('splitting a batch output', () => {
  it('refuses counts that do not add up to the output, naming both numbers', () => {
    const output = filled('float32', [5, 2])
    expect(() => splitItems(output, 0, [2, 2])).toThrow(/returned 5 items for a batch of 4/)
    expect(() => splitItems(output, 0, [2, 2])).not.toThrow(BadInput)
  })

  it('reports an output that cannot be split as the runnable’s fault, not a bad input', () => {
    expect(() => splitItems(filled('float32', [4]), 1, [4])).toThrow(
      /runnable's output cannot be split along batchDim 1/,
    )
    expect(() => splitItems(filled('float32', [4]), 1, [4])).not.toThrow(BadInput)
  })

  it('refuses a slice range outside the value', () => {
    expect(() => sliceItems(filled('float32', [3]), 0, 2, 4)).toThrow(/items \[2, 4\) of a value holding 3/)
  })
})

describe('properties over random shapes, axes and dtypes', () => {
  const split = fc
    .integer({ min: 1, max: 4 })
    .chain((rank) =>
      fc.record({
        dims: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: rank, maxLength: rank }),
        axis: fc.integer({ min: 0, max: rank - 1 }),
        counts: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
        dtype: fc.constantFrom<DType>('float32', 'int32', 'int64', 'uint8'),
        seed: fc.integer(),
      }),
    )
    .map(({ dims, axis, counts, dtype, seed }) => {
      const total = counts.reduce((a, b) => a + b, 0)
      const whole = filled(
        dtype,
        dims.map((d, i) => (i === axis ? total : d)),
        seed,
      )
      return { whole, axis, counts, total }
    })

  it('slicing a tensor into pieces, merging them and splitting with the same counts gives back the pieces', () => {
    fc.assert(
      fc.property(split, ({ whole, axis, counts }) => {
        const pieces = offsets(counts).map((start, i) => sliceItems(whole, axis, start, start + counts[i]!))
        const merged = mergeItems(pieces, axis)
        expect(merged).toEqual(whole)
        const back = splitItems(merged, axis, counts)
        expect(back).toEqual(pieces)
        expectSeparateBuffers([merged.data, ...back.map((p) => p.data)])
      }),
    )
  })

  it('sliceItems(x, axis, a, b) holds exactly the elements an index-by-index slice picks', () => {
    const range = split.chain((c) =>
      fc
        .tuple(fc.integer({ min: 0, max: c.total }), fc.integer({ min: 0, max: c.total }))
        .map(([a, b]) => ({ ...c, start: Math.min(a, b), end: Math.max(a, b) })),
    )
    fc.assert(
      fc.property(range, ({ whole, axis, start, end }) => {
        expect(sliceItems(whole, axis, start, end)).toEqual(referenceSlice(whole, axis, start, end))
      }),
    )
  })

  it('slicing a merge at each piece’s offset gives back that piece', () => {
    fc.assert(
      fc.property(split, ({ whole, axis, counts }) => {
        const pieces = counts.map((n, seed) =>
          filled(
            whole.dtype,
            whole.dims.map((d, i) => (i === axis ? n : d)),
            seed,
          ),
        )
        const merged = mergeItems(pieces, axis)
        offsets(counts).forEach((start, i) => {
          expect(sliceItems(merged, axis, start, start + counts[i]!)).toEqual(pieces[i])
        })
      }),
    )
  })
})

describe('axes by name, and tensors shared by a batch', () => {
  const AXES = { input: 0, state: 1 }
  const call = (items: number, seed: number, sr = 16000n) => ({
    input: filled('float32', [items, 4], seed),
    state: filled('float32', [2, items, 3], seed + 100),
    sr: { dtype: 'int64', dims: [], data: BigInt64Array.of(sr) } as Tensor<'int64'>,
  })

  it('merges each named tensor along its own axis, passes a shared one once, and slices back to the same calls', () => {
    const calls = [call(1, 1), call(3, 2), call(2, 3)]
    const merged = mergeItems(calls, AXES)
    expect(merged.input.dims).toEqual([6, 4])
    expect(merged.state.dims).toEqual([2, 6, 3])
    expect(merged.sr).toEqual(calls[0]!.sr)
    expect(merged.sr.data.buffer).not.toBe(calls[0]!.sr.data.buffer) // a fresh copy, safe to transfer
    offsets([1, 3, 2]).forEach((start, i) =>
      expect(sliceItems(merged, AXES, start, start + [1, 3, 2][i]!)).toEqual(calls[i]),
    )
  })

  it('counts items along the first named axis, and refuses a call whose batched tensors disagree, naming both counts', () => {
    expect(countItems(call(5, 0), AXES)).toBe(5)
    const torn = { ...call(2, 0), state: filled('float32', [2, 3, 3]) }
    expect(() => countItems(torn, AXES)).toThrow(BadInput)
    expect(() => countItems(torn, AXES)).toThrow(
      /same number of items along batchDim \{ input: 0, state: 1 \}, but "input" has 2, "state" has 3/,
    )
  })

  it('gives calls with different shared values different keys, and equal ones the same', () => {
    expect(compatibilityKey(call(1, 1), AXES)).toBe(compatibilityKey(call(4, 2), AXES))
    expect(compatibilityKey(call(1, 1, 8000n), AXES)).not.toBe(compatibilityKey(call(1, 1), AXES))
    // Large shared tensors are told apart by hash: one element changed is another key.
    const big = (value: number) => ({
      x: filled('float32', [2, 3]),
      table: { dtype: 'float32', dims: [1000], data: new Float32Array(1000).fill(value) } as Tensor,
    })
    expect(compatibilityKey(big(1), { x: 0 })).toBe(compatibilityKey(big(1), { x: 0 }))
    expect(compatibilityKey(big(1), { x: 0 })).not.toBe(compatibilityKey(big(2), { x: 0 }))
    expect(() => mergeItems([call(1, 1), call(1, 1, 8000n)], AXES)).toThrow(/one compatibility key/)
  })

  it('splits a batch output along each named axis, and gives every caller its own copy of an output left out', () => {
    const output = {
      output: filled('float32', [5, 1]),
      stateN: filled('float32', [2, 5, 3], 9),
      total: filled('float32', [2], 4),
    }
    const pieces = splitItems(output, { output: 0, stateN: 1 }, [2, 3])
    expect(pieces.map((p) => [p.output.dims, p.stateN.dims])).toEqual([
      [
        [2, 1],
        [2, 2, 3],
      ],
      [
        [3, 1],
        [2, 3, 3],
      ],
    ])
    for (const piece of pieces) expect(piece.total).toEqual(output.total)
    expectSeparateBuffers([output.total.data, ...pieces.map((p) => p.total.data)])
    // A call split over two batches is put back together; its shared output comes from the first.
    expect(joinItems(pieces, { output: 0, stateN: 1 })).toEqual(output)
  })

  it('refuses names a record lacks, and names on a lone tensor, saying what was expected', () => {
    expect(() => countItems({ input: filled('float32', [2, 4]) }, AXES)).toThrow(
      /names "state", which the record lacks; it holds input/,
    )
    expect(() => countItems(filled('float32', [2, 4]), AXES)).toThrow(
      /A lone tensor has no name, but batchDim names \{ input: 0, state: 1 \}/,
    )
  })
})
