// The worker_threads entry: serves a runnable to the runner that started this worker.
import { expose } from 'comlink'
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'
import { parentPort } from 'node:worker_threads'
import { nodeServices } from '../src/adapters/node/platform.js'
import { createWorkerHost } from '../src/runner/host.js'
import { workerApi } from '../src/runner/worker-api.js'

if (!parentPort) throw new Error('workers/node.js runs only as a worker_threads worker')
expose(workerApi(createWorkerHost(nodeServices)), nodeEndpoint(parentPort))
