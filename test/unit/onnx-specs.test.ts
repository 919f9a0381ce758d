import { describe, expect, it } from 'vitest'
import { ioSpecs } from '../../src/onnx/ort-tensors.js'

describe("a model's declared inputs and outputs", () => {
  it('read an unnamed free dimension as free, however ONNX Runtime reports it (-1 from Node, 2^32 - 1 from the web)', () => {
    const specs = ioSpecs(
      [
        { name: 'web', isTensor: true, type: 'float32', shape: [4294967295, 512] },
        { name: 'node', isTensor: true, type: 'float32', shape: [-1, '', 'N', 2] },
      ],
      'input',
      'm:1',
    )
    expect(specs.map((s) => s.dims)).toEqual([
      [null, 512],
      [null, null, 'N', 2],
    ])
  })
})
