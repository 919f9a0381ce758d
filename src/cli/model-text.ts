import { describeAxes } from '../batch-axes.js'
import type { MethodSignature, ModelInfo } from '../store/manifest.js'
import { tagOf, type VerifyReport } from '../store/model-store.js'
import { formatLabels, formatTable, humanSize, humanTime } from './output.js'

/** The whole size of a version on disk: its main file and every file beside it. */
export const totalSize = (info: ModelInfo): number =>
  Object.values(info.files).reduce((sum, file) => sum + file.size, 0)

/** One row per version: what `tiffin models list` prints. */
export function modelTable(infos: readonly ModelInfo[]): string[] {
  const rows = infos.map((info) => [
    tagOf(info),
    info.format,
    humanSize(totalSize(info)),
    humanTime(info.createdAt),
    formatLabels(info.labels),
  ])
  return formatTable(['TAG', 'FORMAT', 'SIZE', 'CREATED', 'LABELS'], rows)
}

function describeSignature(method: string, signature: MethodSignature): string {
  if (!signature.batchable) return `${method}: not batchable`
  const [input, output] = signature.batchDim.map(describeAxes)
  return input === output
    ? `${method}: batchable on axis ${input}`
    : `${method}: batchable on input axis ${input}, output axis ${output}`
}

/** A manifest as aligned `key  value` lines; lists continue on lines of their own under the key. */
export function describeModel(info: ModelInfo): string[] {
  const files = Object.entries(info.files).map(
    ([name, file]) => `${name}  ${humanSize(file.size)}  sha256 ${file.sha256}`,
  )
  const signatures = Object.entries(info.signatures).map(([method, signature]) => describeSignature(method, signature))
  const labels = Object.keys(info.labels).length === 0 ? '(none)' : formatLabels(info.labels)
  const metadata = Object.keys(info.metadata).length === 0 ? '(none)' : JSON.stringify(info.metadata)
  const fields: [string, readonly string[]][] = [
    ['tag', [tagOf(info)]],
    ['format', [info.format]],
    ['created', [humanTime(info.createdAt)]],
    ['file', [info.file]],
    ['size', [humanSize(totalSize(info))]],
    ['files', files],
    ['signatures', signatures],
    ['labels', [labels]],
    ['metadata', [metadata]],
  ]
  const width = Math.max(...fields.map(([key]) => key.length)) + 2
  return fields.flatMap(([key, values]) =>
    values.map((value, i) => (i === 0 ? `${key}:`.padEnd(width + 1) : ' '.repeat(width + 1)) + value),
  )
}

/** `verified: ok`, or `verified: damaged` and one indented line per problem. */
export function describeVerification(report: VerifyReport): string[] {
  return report.ok ? ['verified: ok'] : ['verified: damaged', ...report.problems.map((problem) => `  ${problem}`)]
}
