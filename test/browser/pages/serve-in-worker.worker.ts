import { serveFromWorker } from '../../../src/adapters/browser/serve-in-worker.js'
import { service } from './serve-in-worker-service.js'

serveFromWorker(service)
