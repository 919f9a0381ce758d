import cliProgress from 'cli-progress'
import type { SaveProgress } from '../store/model-store.js'
import { humanSize } from './output.js'

export interface ProgressBar {
  readonly update: (progress: SaveProgress) => void
  readonly stop: () => void
}

/**
 * A bar on `stream` for a model being saved, or `undefined` when the stream is not a terminal, so that
 * logs and pipes never fill with redraw sequences.
 */
export function saveProgressBar(stream: NodeJS.WriteStream): ProgressBar | undefined {
  if (!stream.isTTY) return undefined
  const bar = new cliProgress.SingleBar(
    { stream, format: '{file} [{bar}] {percentage}% | {loadedSize} / {totalSize}', barsize: 30 },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update({ file, loaded, total }) {
      const payload = { file, loadedSize: humanSize(loaded), totalSize: total === undefined ? '?' : humanSize(total) }
      // A stream of unknown length keeps its bar full; the sizes still tell how far it has got.
      const end = total ?? loaded
      if (!started) {
        bar.start(end, loaded, payload)
        started = true
      } else {
        bar.setTotal(end)
        bar.update(loaded, payload)
      }
    },
    stop() {
      if (started) bar.stop()
    },
  }
}
