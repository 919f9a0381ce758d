// Calls of the linear test model, each with its own row and checked against the plain-TypeScript
// reference: the load of the leak tests, in Node and in pages alike.
import type { Tensor } from '../../src/tensor.js'
import { linearModel } from '../fixtures/models.js'
import { difference } from './difference.js'
import { outcomeOfError, right, underLoad, type LoadReport } from './load.js'

const model = linearModel()

/** Sends `count` one-row calls through `run`, `concurrency` at a time; call `i` sends the row of seed `first + i`. */
export function linearLoad(run: (x: Tensor, signal: AbortSignal) => Promise<Record<string, Tensor>>, count: number, concurrency: number, first = 0): Promise<LoadReport> {
  return underLoad(count, concurrency, async (i, signal) => {
    const inputs = model.sampleInputs(1, first + i)
    try {
      const wrong = difference(await run(inputs.x!, signal), model.reference(inputs))
      return wrong ? { problem: `call ${i}: ${wrong}` } : right
    } catch (error) {
      return outcomeOfError(error)
    }
  })
}
