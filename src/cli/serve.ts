import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { loadServiceModule } from '../adapters/load-module.js'
import { serve } from '../adapters/node.js'
import type { CliContext } from './context.js'

const port = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535')
  return n
}

/** `tiffin serve <module>`: serves a service over HTTP until SIGTERM or SIGINT, then drains. */
export function register(program: Command, context: CliContext): void {
  program
    .command('serve <module>')
    .description('serve the service a module exports, over HTTP')
    .option('-p, --port <port>', 'port to listen on (default $PORT, else 3000)', port)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (module: string, options: { port?: number; host: string }) => {
      const service = await loadServiceModule(module)
      const running = await serve(service, { port: options.port, host: options.host })
      context.stdout.write(`tiffin: serving ${service.name} at ${running.url}\n`)
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          context.stderr.write(`tiffin: ${signal}: finishing requests in flight, then stopping\n`)
          void running.close().then(resolve)
        }
        process.once('SIGTERM', () => stop('SIGTERM'))
        process.once('SIGINT', () => stop('SIGINT'))
      })
    })
}
