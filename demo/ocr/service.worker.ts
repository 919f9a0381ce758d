// The OCR service in a worker of the page ("this page" mode): decoding, pre- and post-processing run here,
// the three runners in workers of their own; the page only sends images and draws the answers.
import { serveFromWorker } from '../../src/browser.js'
import { service } from './service.js'

serveFromWorker(service)
