#!/usr/bin/env node
// The `tiffin` command. Each command group lives in its own module under cli/ and adds itself with `register`.
import { Command } from 'commander'
import { BentoStore } from './build/bento-store.js'
import { register as registerBentos } from './cli/bentos.js'
import type { CliContext } from './cli/context.js'
import { reportError } from './cli/errors.js'
import { register as registerModels } from './cli/models.js'
import { register as registerServe } from './cli/serve.js'
import { packageVersion } from './package-info.js'
import { fileStore, tiffinHome } from './store/fs.js'

const home = tiffinHome(process.env)
const context: CliContext = {
  store: fileStore(home),
  bentos: new BentoStore(home),
  stdout: process.stdout,
  stderr: process.stderr,
}

const program = new Command('tiffin')
  .description(
    'Serve ONNX models on the web, manage the models they serve, and build services into deployable folders.',
  )
  .version(packageVersion(), '-V, --version')
  // Subcommands have options of their own (`save --version`) that must not be taken as the program's.
  .enablePositionalOptions()
  // Errors are thrown rather than exiting, so they all come out as one `tiffin: …` line below.
  .exitOverride()
  .configureOutput({ outputError: () => undefined })

registerModels(program, context)
registerServe(program, context)
registerBentos(program, context)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  process.exitCode = reportError(error, process.stderr, process.env.TIFFIN_DEBUG === '1')
}
