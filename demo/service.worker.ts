// The demo service in a worker of the page ("this page" mode): its handlers run here, its runner in a
// worker of its own, so the page's thread only sends requests and reads answers.
import { serveFromWorker } from '../src/browser.js'
import { service } from './service.js'

serveFromWorker(service)
