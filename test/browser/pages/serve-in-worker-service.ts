// The service serve-in-worker.spec.ts serves in a worker of the page: a runner, an API that says what body
// it got, and one slow enough to abort.
import { io } from '../../../src/index.js'
import { Runner } from '../../../src/runner/runner.js'
import { Service } from '../../../src/service/service.js'
import scale from '../../fixtures/runnables/scale.js'

const double = new Runner(scale, { name: 'double', runnableInitParams: { factor: 2 }, workers: 2 })
const slow = new Runner(scale, { name: 'slow', runnableInitParams: { factor: 1, callDelayMs: 5_000 }, workers: 1 })

export const service = new Service('in-worker', { runners: [double, slow] })
  .api({ name: 'double', input: io.json(), output: io.json() }, (rows, { signal }) =>
    double.methods.scale.run(rows as number[], { signal }),
  )
  .api({ name: 'whoami', input: io.json(), output: io.json() }, (_, { signal }) =>
    double.methods.whoami.run(null, { signal }),
  )
  .api({ name: 'echo', input: io.file(), output: io.json() }, async (body) => ({
    type: body.type,
    text: await body.text(),
  }))
  .api({ name: 'slow', input: io.json(), output: io.json() }, (rows, { signal }) =>
    slow.methods.scale.run(rows as number[], { signal }),
  )
