import { batchDimProblem, splitBatchDim, type BatchAxes, type BatchDim } from '../batch-axes.js'
import { BadInput, Corrupted } from '../errors.js'
import { validateTagPart } from '../tag.js'

export type ModelFormat = 'onnx'

/** How a runner may call one method of a model: whether calls can be batched, and along which axes. */
export interface MethodSignature {
  readonly batchable: boolean
  /** The batch axes of the inputs and of the outputs (each one axis, or an axis per tensor name). */
  readonly batchDim: readonly [BatchAxes, BatchAxes]
}

export interface StoredFile {
  readonly size: number
  readonly sha256: string
}

/** A model version as `model.json` records it. */
export interface ModelInfo {
  readonly name: string
  readonly version: string
  readonly format: ModelFormat
  /** The main model file; `size` and `sha256` describe it. */
  readonly file: string
  readonly size: number
  readonly sha256: string
  /** Every file of the version, the main one included. */
  readonly files: Readonly<Record<string, StoredFile>>
  readonly signatures: Readonly<Record<string, MethodSignature>>
  readonly labels: Readonly<Record<string, string>>
  readonly metadata: Readonly<Record<string, unknown>>
  /** ISO 8601. */
  readonly createdAt: string
}

const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/

/** A model file name is a plain name (no folders, no "..") so it can never leave its version's folder. */
export function validateFileName(name: string): string {
  if (typeof name !== 'string' || !FILE_NAME.test(name) || name.includes('..')) {
    throw new BadInput(
      `A model file name may hold only letters, digits, ".", "_" and "-" (no folders, no "..", at most 100 characters): "${String(name)}"`,
    )
  }
  if (name === 'model.json') throw new BadInput('"model.json" is reserved for the model\'s manifest')
  return name
}

/** Normalises a signature's `batchDim` (an axis, `[in, out]`, or axes by name) to an `[in, out]` pair. */
export function normaliseSignature(method: string, sig: { batchable?: boolean; batchDim?: BatchDim }): MethodSignature {
  const problem = batchDimProblem(sig.batchDim ?? 0)
  if (problem) {
    throw new BadInput(
      `Signature "${method}": batchDim must be an axis (a non-negative integer), [inputAxis, outputAxis], or axes by tensor name such as [{ "input": 0, "state": 1 }, { "output": 0, "stateN": 1 }]; ${problem}`,
    )
  }
  const [input, output] = splitBatchDim(sig.batchDim)
  return { batchable: sig.batchable === true, batchDim: [input, output] }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isSha = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)
const isSize = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

/** Checks a parsed `model.json`; anything off means the stored model is not trusted. */
export function parseManifest(value: unknown, where: string): ModelInfo {
  const fail = (what: string): never => {
    throw new Corrupted(`${where}: model.json is not valid: ${what}`)
  }
  if (!isRecord(value)) return fail('not a JSON object')
  // Checked as strings first: a missing version must not pass as the version "undefined".
  if (typeof value.name !== 'string' || typeof value.version !== 'string') fail('"name" and "version" must be strings')
  try {
    validateTagPart(value.name as string, 'name')
    validateTagPart(value.version as string, 'version')
  } catch (error) {
    fail((error as Error).message)
  }
  if (value.format !== 'onnx') fail(`format "${String(value.format)}" is not supported (expected "onnx")`)
  if (!isRecord(value.files) || Object.keys(value.files).length === 0) fail('"files" must list the model files')
  const files = value.files as Record<string, unknown>
  for (const [name, file] of Object.entries(files)) {
    try {
      validateFileName(name)
    } catch (error) {
      fail((error as Error).message)
    }
    if (!isRecord(file) || !isSize(file.size) || !isSha(file.sha256)) fail(`file "${name}" needs a size and a sha256`)
  }
  const main = files[String(value.file)]
  if (!isRecord(main)) return fail(`the main file "${String(value.file)}" is not among "files"`)
  if (value.size !== main.size || value.sha256 !== main.sha256) fail('"size" and "sha256" must describe the main file')
  if (!isRecord(value.signatures) || !isRecord(value.labels) || !isRecord(value.metadata))
    fail('"signatures", "labels" and "metadata" must be objects')
  for (const [method, sig] of Object.entries(value.signatures as Record<string, unknown>)) {
    const batchDim = isRecord(sig) ? sig.batchDim : undefined
    const ok =
      isRecord(sig) &&
      typeof sig.batchable === 'boolean' &&
      Array.isArray(batchDim) &&
      batchDimProblem(batchDim) === undefined
    if (!ok) fail(`signature "${method}" needs batchable (a boolean) and batchDim ([inputAxes, outputAxes])`)
  }
  for (const [key, label] of Object.entries(value.labels as Record<string, unknown>))
    if (typeof label !== 'string') fail(`label "${key}" must be a string`)
  if (typeof value.createdAt !== 'string' || Number.isNaN(Date.parse(value.createdAt)))
    fail('"createdAt" must be an ISO date')
  return value as unknown as ModelInfo
}
