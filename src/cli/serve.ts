import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { serve, serveRunner } from '../adapters/node/server.js'
import { load } from '../build/load.js'
import { DEFAULTS } from '../defaults.js'
import { BadInput } from '../errors.js'
import type { CliContext } from './context.js'

const port = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535')
  return n
}

/** `name=url[,url…]`, repeatable: where remote runners' replicas answer. */
function runnerMapEntry(value: string, map: Record<string, string[]> = {}): Record<string, string[]> {
  const match = /^([^=]+)=(.+)$/.exec(value)
  const urls = match?.[2]!.split(',').map((u) => u.trim().replace(/\/+$/, ''))
  if (!match || !urls!.every((u) => /^https?:\/\/\S+$/.test(u)))
    throw new InvalidArgumentError('expected name=url[,url…] with http(s) URLs')
  return { ...map, [match[1]!]: urls! }
}

/** `tiffin serve <target>`: serves a service (or one of its runners) over HTTP until SIGTERM or SIGINT, then drains. */
export function register(program: Command, context: CliContext): void {
  program
    .command('serve <target>')
    .description(
      'serve a service over HTTP: a built folder, a bento tag (name[:version]), or a module that exports one',
    )
    .option('-p, --port <port>', 'port to listen on (default $PORT, else 3000)', port)
    .option('--host <host>', 'address to listen on', DEFAULTS.server.host)
    .option('--runner <name>', 'serve only this runner, for API servers elsewhere to call')
    .option(
      '--runner-map <name=urls>',
      'call this runner on remote replicas instead of starting it (repeatable)',
      runnerMapEntry,
    )
    .action(
      async (
        target: string,
        options: { port?: number; host: string; runner?: string; runnerMap?: Record<string, string[]> },
      ) => {
        const { service, store } = await load(target, { bentos: context.bentos })
        const listen = { port: options.port, host: options.host, store: store ?? context.store }
        let running, what
        if (options.runner) {
          const runner = service.runners.find((r) => r.name === options.runner)
          if (!runner)
            throw new BadInput(
              `Service "${service.name}" has no runner "${options.runner}"; it has ${service.runners.map((r) => r.name).join(', ') || 'none'}`,
            )
          running = await serveRunner(runner, listen)
          what = `runner:${runner.name}`
        } else {
          running = await serve(service, { ...listen, runnerMap: options.runnerMap })
          what = service.name
        }
        context.stdout.write(`tiffin: serving ${what} at ${running.url}\n`)
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            context.stderr.write(`tiffin: ${signal}: finishing requests in flight, then stopping\n`)
            void running.close().then(resolve)
          }
          process.once('SIGTERM', () => stop('SIGTERM'))
          process.once('SIGINT', () => stop('SIGINT'))
        })
      },
    )
}
