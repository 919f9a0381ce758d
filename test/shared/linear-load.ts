// Calls of the linear test model, each with its own rows and checked against the plain-TypeScript
// reference: through a runner (the leak tests) or over HTTP (the example service), in Node and in pages.
import { tensor, type Tensor } from '../../src/tensor/tensor.js'
import { linearModel } from '../fixtures/models.js'
import { difference } from './difference.js'
import { outcomeOf, outcomeOfError, right, underLoad, type LoadReport, type Outcome } from './load.js'

const model = linearModel()

/** Sends `count` one-row calls through `run`, `concurrency` at a time; call `i` sends the row of seed `first + i`. */
export function linearLoad(
  run: (x: Tensor, signal: AbortSignal) => Promise<Record<string, Tensor>>,
  count: number,
  concurrency: number,
  first = 0,
): Promise<LoadReport> {
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

/** Posts 1 to 3 rows of seed `seed` to the example service's `/predict` (at `base`), and checks the answer. */
export async function predictOverHttp(
  base: string,
  seed: number,
  signal: AbortSignal,
  send: (input: string, init: RequestInit) => Promise<Response> = fetch,
): Promise<Outcome> {
  const inputs = model.sampleInputs(1 + (seed % 3), seed)
  const x = inputs.x as Tensor<'float32'>
  const response = await send(`${base}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dtype: 'float32', dims: x.dims, data: Array.from(x.data) }),
    signal,
  })
  return outcomeOf(response, (body) => {
    const rows = body as number[][]
    const y = tensor('float32', [rows.length, rows[0]?.length ?? 0], Float32Array.from(rows.flat()))
    return difference({ y }, model.reference(inputs)) || undefined
  })
}
