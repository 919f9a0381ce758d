import { InvalidArgumentError, type Command } from 'commander'
import { batchDimProblem, type BatchDim } from '../batch-axes.js'
import { Corrupted } from '../errors.js'
import { tagOf, type SignatureOptions } from '../store/model-store.js'
import { printLines, type CliContext } from './context.js'
import { openFile, writeFileAtomically } from './files.js'
import { describeModel, describeVerification, modelTable } from './model-text.js'
import { saveProgressBar } from './progress.js'

interface SaveFlags {
  readonly name: string
  readonly version?: string
  readonly label?: Record<string, string>
  readonly batchable?: boolean
  readonly batchDim: BatchDim
  readonly method: string
}

interface ShowFlags {
  readonly verify?: boolean
  readonly json?: boolean
}

/** `--label k=v`, repeatable: each adds one label (the value may itself hold "="). */
function collectLabel(text: string, labels: Record<string, string> = {}): Record<string, string> {
  const equals = text.indexOf('=')
  if (equals <= 0) throw new InvalidArgumentError('A label is written key=value.')
  return { ...labels, [text.slice(0, equals)]: text.slice(equals + 1) }
}

const BATCH_DIM_FORMS =
  'A batch axis is a non-negative integer, "input,output", or JSON with axes by tensor name such as \'[{"input":0,"state":1},{"output":0,"stateN":1}]\''

/**
 * `--batch-dim 1`, `--batch-dim 0,1` when inputs and outputs batch along different axes, or JSON naming
 * an axis per tensor (`[{"input":0,"state":1},{"output":0,"stateN":1}]`).
 */
function parseBatchDim(text: string): BatchDim {
  if (/^\s*[[{]/.test(text)) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new InvalidArgumentError(`${BATCH_DIM_FORMS}; this is not JSON.`)
    }
    const problem = batchDimProblem(value)
    if (problem) throw new InvalidArgumentError(`${BATCH_DIM_FORMS}; ${problem}.`)
    return value as BatchDim
  }
  const axes = text.split(',').map((part) => (/^\d+$/.test(part.trim()) ? Number(part) : NaN))
  if (axes.some(Number.isNaN) || axes.length > 2) throw new InvalidArgumentError(`${BATCH_DIM_FORMS}.`)
  return axes.length === 1 ? axes[0]! : [axes[0]!, axes[1]!]
}

async function save(context: CliContext, file: string, flags: SaveFlags): Promise<void> {
  const source = await openFile(file)
  const signature: SignatureOptions = { batchable: flags.batchable === true, batchDim: flags.batchDim }
  const progress = saveProgressBar(context.stderr)
  const saving = context.store.save(flags.name, source, {
    version: flags.version,
    labels: flags.label,
    signatures: { [flags.method]: signature },
    onProgress: progress?.update,
  })
  // The bar is finished before the tag is printed, so the two never share a line on a terminal.
  const info = await saving.finally(() => progress?.stop())
  printLines(context.stdout, [tagOf(info)])
}

async function list(context: CliContext, name: string | undefined, flags: { readonly json?: boolean }): Promise<void> {
  const infos = await context.store.list(name)
  if (flags.json) printLines(context.stdout, [JSON.stringify(infos, null, 2)])
  else if (infos.length === 0) printLines(context.stdout, [`No models in ${context.store.location}`])
  else printLines(context.stdout, modelTable(infos))
}

async function show(context: CliContext, tag: string, flags: ShowFlags): Promise<void> {
  const info = await context.store.get(tag)
  // Verifies the exact version shown, even if a newer one is saved meanwhile.
  const report = flags.verify ? await context.store.verify(tagOf(info)) : undefined
  if (flags.json) printLines(context.stdout, [JSON.stringify(report ? { ...info, verified: report } : info, null, 2)])
  else printLines(context.stdout, [...describeModel(info), ...(report ? describeVerification(report) : [])])
  if (report && !report.ok) throw new Corrupted(`${report.tag} is damaged: ${report.problems.join('; ')}`)
}

async function exportModel(context: CliContext, tag: string, file: string): Promise<void> {
  const archive = await context.store.export(tag)
  printLines(context.stdout, [await writeFileAtomically(file, archive)])
}

async function importModel(context: CliContext, file: string): Promise<void> {
  const info = await context.store.import(await openFile(file))
  printLines(context.stdout, [tagOf(info)])
}

async function deleteModel(context: CliContext, tag: string): Promise<void> {
  const info = await context.store.delete(tag)
  printLines(context.stdout, [tagOf(info)])
}

/** Adds `tiffin models …`: the model store from the command line. */
export function register(program: Command, context: CliContext): void {
  const models = program
    .command('models')
    .description('save, list, check, move and delete the models in the store')
    .addHelpText('after', `\nThe store is ${context.store.location} ($TIFFIN_HOME/models, else ~/.tiffin/models).`)

  models
    .command('save')
    .description('save an ONNX file as a new model version; prints its tag (name:version)')
    .argument('<file>', 'the .onnx file')
    .requiredOption('--name <name>', 'the model name, required (lower case, digits, "-", "_", ".")')
    .option('--version <version>', 'the version (default: a new time-ordered one)')
    .option('--label <key=value>', 'a label; repeat for more', collectLabel)
    .option('--batchable', 'calls may be batched together')
    .option('--batch-dim <axis>', 'the batch axis, "input,output" axes, or JSON axes by tensor name', parseBatchDim, 0)
    .option('--method <method>', 'the method the signature describes', 'run')
    .action((file: string, flags: SaveFlags) => save(context, file, flags))

  models
    .command('list')
    .description('list the saved model versions, oldest first within each name')
    .argument('[name]', 'only the versions of this model')
    .option('--json', 'print the manifests as a JSON array')
    .action((name: string | undefined, flags: { json?: boolean }) => list(context, name, flags))

  models
    .command('show')
    .description("show a model version's manifest")
    .argument('<tag>', 'name, name:version, name:latest or name:versionPrefix')
    .option('--verify', 'check every file against its sha256; exit 1 when damaged')
    .option('--json', 'print the manifest as JSON')
    .action((tag: string, flags: ShowFlags) => show(context, tag, flags))

  models
    .command('export')
    .description('write a model version to a .tiffin-model archive; prints its path')
    .argument('<tag>', 'the version to export')
    .argument('<file>', 'the archive to write')
    .action((tag: string, file: string) => exportModel(context, tag, file))

  models
    .command('import')
    .description('import a .tiffin-model archive; prints the tag')
    .argument('<file>', 'the archive to read')
    .action((file: string) => importModel(context, file))

  models
    .command('delete')
    .description('delete one model version; prints its tag')
    .argument('<tag>', 'the version to delete (a bare name means its latest version)')
    .action((tag: string) => deleteModel(context, tag))
}
