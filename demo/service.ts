// The demo service: runtime-free, so Node (demo/start.ts), the Service Worker (demo/sw.ts) and the page
// (demo/main.ts) all serve this same file. Its model, `demo-linear`, is looked up in whatever store the
// serving side gives it: the file store in Node, IndexedDB in the browser.
import { io, onnxRunner, Service } from '../src/index.js'

/** y = xW + b, [N, 4] → [N, 3]: the bundled model, demo/models/linear.onnx. */
export const linear = onnxRunner('demo-linear:latest', { maxBatchSize: 32 })

/** What `describe` takes: `{}`, or `{ "include": ["runner", "apis"] }` for less. */
type DescribeInput = { include?: ('runner' | 'apis')[] }

const describeInput: io.StandardSchemaV1<unknown, DescribeInput> = {
  '~standard': {
    version: 1,
    vendor: 'demo',
    validate(value) {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return { issues: [{ message: 'expected an object, such as {}' }] }
      const include = (value as { include?: unknown }).include
      if (
        include !== undefined &&
        !(Array.isArray(include) && include.every((part) => part === 'runner' || part === 'apis'))
      ) {
        return { issues: [{ message: 'expected a list of "runner" and "apis"', path: ['include'] }] }
      }
      return { value: value as DescribeInput }
    },
  },
}

const demo = new Service('demo', { runners: [linear] })

export const service = demo
  .api(
    {
      name: 'predict',
      input: io.tensor({ dtype: 'float32', shape: [-1, 4], enforceShape: true }),
      output: io.tensor(),
      doc: 'y = xW + b for each row of x, a float32 [N, 4] tensor; concurrent calls are batched together.',
    },
    async (x, { signal }) => (await linear.run({ x }, { signal })).y!,
  )
  .api(
    {
      name: 'describe',
      input: io.json({
        schema: describeInput,
        jsonSchema: { type: 'object', properties: { include: { type: 'array', items: { enum: ['runner', 'apis'] } } } },
        example: {},
      }),
      output: io.json(),
      doc: 'Where this service is running: its runner, the backend it chose and why, and its APIs.',
    },
    ({ include = ['runner', 'apis'] }) => ({
      service: demo.name,
      ...(include.includes('runner') && {
        runner: {
          name: linear.name,
          state: linear.state,
          model: linear.options.models?.[0],
          placement: linear.placement,
          workers: linear.workers,
          notes: linear.notes,
          maxBatchSize: linear.batchingConfig('run').maxBatchSize,
        },
      }),
      ...(include.includes('apis') && { apis: demo.apis.map(({ name, route, doc }) => ({ name, route, doc })) }),
    }),
  )

export default service
