#!/usr/bin/env node
// The `tiffin` command. Each command group lives in its own module under cli/ and adds itself with `register`.
import { Command } from 'commander'
import type { CliContext } from './cli/context.js'
import { reportError } from './cli/errors.js'
import { register as registerModels } from './cli/models.js'
import { register as registerServe } from './cli/serve.js'
import { packageVersion } from './cli/version.js'
import { fileStore, tiffinHome } from './store/fs.js'

const context: CliContext = { store: fileStore(tiffinHome(process.env)), stdout: process.stdout, stderr: process.stderr }

const program = new Command('tiffin')
  .description('Serve ONNX models on the web, and manage the models they serve.')
  .version(packageVersion(), '-V, --version')
  // Subcommands have options of their own (`save --version`) that must not be taken as the program's.
  .enablePositionalOptions()
  // Errors are thrown rather than exiting, so they all come out as one `tiffin: …` line below.
  .exitOverride()
  .configureOutput({ outputError: () => undefined })

registerModels(program, context)
registerServe(program, context)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  process.exitCode = reportError(error, process.stderr, process.env.TIFFIN_DEBUG === '1')
}
