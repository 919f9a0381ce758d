// A worker as a browser without nested workers gives it: the service's runners run in its own thread.
import { serveFromWorker } from '../../../src/adapters/browser/serve-in-worker.js'
import { service } from './serve-in-worker-service.js'

Reflect.deleteProperty(globalThis, 'Worker')
serveFromWorker(service)
