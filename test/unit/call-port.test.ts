// The call port on its own, both ends in this thread over a real MessageChannel (and real shared memory):
// answers find their callers by id, buffers move, and what cannot be posted fails its call. Real workers
// are in worker-channel.test.ts.
import { afterEach, describe, expect, it } from 'vitest'
import { BadInput } from '../../src/errors.js'
import { expose } from 'comlink'
import { PortCalls } from '../../src/runner/call-port.js'
import type { WorkerHost } from '../../src/runner/host.js'
import { SharedCalls } from '../../src/runner/shared-channel.js'
import { unwrap, workerApi } from '../../src/runner/worker-api.js'
import { WorkerExecutor } from '../../src/runner/worker-executor.js'

const opened: PortCalls[] = []
afterEach(() => {
  for (const calls of opened.splice(0)) calls.close()
})

/** A host whose `call` runs `handle`, recording the order calls start in. */
function host(handle: (method: string, input: unknown) => unknown, started: string[] = []): WorkerHost {
  return {
    setup: async () => ({ methods: [], notes: [] }),
    async call(method, input) {
      started.push(method)
      return handle(method, input)
    },
    counts: async () => ({}) as never,
    teardown: async () => undefined,
  }
}

async function connect(worker: WorkerHost) {
  const api = workerApi(worker)
  const { port1, port2 } = new MessageChannel()
  await unwrap(api.openCallPort(port2))
  const calls = new PortCalls(port1)
  opened.push(calls)
  return { api, calls }
}

describe('call port', () => {
  it('answers each caller with its own result, whatever order the answers come in', async () => {
    const { calls } = await connect(
      host(async (_method, input) => {
        const n = input as number
        await new Promise((resolve) => setTimeout(resolve, (7 * n) % 13))
        return n * n
      }),
    )
    const inputs = Array.from({ length: 40 }, (_, i) => i)
    const answers = await Promise.all(inputs.map((n) => unwrap(calls.call('square', n, false))))
    expect(answers).toEqual(inputs.map((n) => n * n))
  })

  it('moves the buffers of a call and of its answer when asked, and copies them otherwise', async () => {
    let received: Float32Array | undefined
    const { calls } = await connect(
      host((_method, input) => {
        received = input as Float32Array
        return { y: Float32Array.from(received, (v) => v + 1) }
      }),
    )
    const copied = Float32Array.of(1, 2)
    await unwrap(calls.call('add', copied, false))
    expect(copied.length).toBe(2)
    const moved = Float32Array.of(1, 2)
    const answer = (await unwrap(calls.call('add', moved, true))) as { y: Float32Array }
    expect(moved.length).toBe(0) // detached: it went to the other end
    expect(received).toEqual(Float32Array.of(1, 2))
    expect(answer.y).toEqual(Float32Array.of(2, 3))
  })

  it('keeps the class and message of an error thrown by the call', async () => {
    const { calls } = await connect(
      host(() => {
        throw new BadInput('too far')
      }),
    )
    const error = await unwrap(calls.call('go', null, false)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BadInput)
    expect((error as Error).message).toBe('too far')
  })

  it('fails a call whose answer cannot be posted, naming the method, and goes on answering', async () => {
    const { calls } = await connect(host((method) => (method === 'bad' ? { f: () => 1 } : 'fine')))
    await expect(unwrap(calls.call('bad', null, false))).rejects.toThrow(
      /^The answer to "bad" cannot be sent from the worker \(.+\); return data that structured clone can copy$/,
    )
    expect(await unwrap(calls.call('good', null, false))).toBe('fine')
  })

  it('refuses at once a call that cannot be posted', async () => {
    const { calls } = await connect(host(() => 'never'))
    await expect(calls.call('x', { f: () => 1 }, false)).rejects.toThrow(/could not be cloned/)
  })

  it('carries the answer shared memory held back, and says when none is held', async () => {
    const { api, calls } = await connect(host(() => ({ at: new Date(7) }))) // a Date is not plain data
    const shared = new SharedCalls(1024, () => calls.collect())
    expect(await unwrap(api.openChannel(shared.memory))).toBe(true)
    expect(await unwrap(shared.call('when', null)!)).toEqual({ at: new Date(7) })
    await expect(unwrap(calls.collect())).rejects.toThrow('no answer is waiting to be collected')
    shared.close()
  })

  it('starts a call sent by message after the call waiting in shared memory, in the order sent', async () => {
    const started: string[] = []
    const { api, calls } = await connect(host((method) => method, started))
    const shared = new SharedCalls(1024, () => calls.collect())
    expect(await unwrap(api.openChannel(shared.memory))).toBe(true)
    for (let round = 0; round < 20; round++) {
      const first = shared.call(`shared ${round}`, null)!
      const second = calls.call(`message ${round}`, null, false)
      await Promise.all([first, second])
    }
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => [`shared ${i}`, `message ${i}`]).flat())
    shared.close()
  })

  it('a worker with no call port, a page lending from an older tiffin, is called by Comlink instead', async () => {
    const { openCallPort: _, ...older } = workerApi(host((method, input) => [method, (input as number) + 1]))
    const { port1, port2 } = new MessageChannel()
    expose(older, port2)
    const executor = new WorkerExecutor('page', 'old', {
      endpoint: port1,
      onExit: () => undefined,
      terminate: async () => port2.close(),
    })
    const answers = await Promise.all([1, 2, 3].map((n) => executor.call('inc', n, { timeoutMs: 5_000 })))
    expect(answers).toEqual([
      ['inc', 2],
      ['inc', 3],
      ['inc', 4],
    ])
    await executor.close()
  })
})
