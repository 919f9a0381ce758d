// The Web Worker entry: serves a runnable to the runner that started this worker.
import { serveWebWorker } from '../src/adapters/browser/web-worker.js'

serveWebWorker()
