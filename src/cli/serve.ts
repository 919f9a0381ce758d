import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { readServeConfig } from '../adapters/node/serve-config-file.js'
import { serve, serveRunner } from '../adapters/node/server.js'
import { load } from '../build/load.js'
import { DEFAULTS } from '../defaults.js'
import type { CliContext } from './context.js'
import { serveOptions, type ServeFlags } from './serve-options.js'

const port = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535')
  return n
}

const logFormat = (value: string): 'text' | 'json' => {
  if (value !== 'text' && value !== 'json') throw new InvalidArgumentError('a log format is text or json')
  return value
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
    .option('-p, --port <port>', 'port to listen on (default $PORT, else http.port in the config, else 3000)', port)
    .option('--host <host>', `address to listen on (default http.host in the config, else ${DEFAULTS.server.host})`)
    .option(
      '--config <file>',
      `a serve config, YAML or JSON (default $TIFFIN_CONFIG; for a bento, its ${DEFAULTS.build.serveConfig})`,
    )
    .option('--runner <name>', 'serve only this runner, for API servers elsewhere to call')
    .option(
      '--runner-map <name=urls>',
      'call this runner on remote replicas instead of starting it (repeatable)',
      runnerMapEntry,
    )
    .option(
      '--log-format <format>',
      `text (lines for a person) or json (one object a line, for a log collector); default logging.format in the config, else ${DEFAULTS.logging.format}`,
      logFormat,
    )
    .action(async (target: string, options: ServeFlags & { config?: string; runner?: string }) => {
      const { service, store, serveConfig, bento } = await load(target, { bentos: context.bentos })
      const file = options.config ?? (process.env.TIFFIN_CONFIG || serveConfig)
      const config = file ? await readServeConfig(file) : {}
      // Checked against the service's runners and methods here, before anything starts or listens.
      if (file) service.configure(config, file)
      const listen = {
        ...serveOptions(options, config, process.env),
        store: store ?? context.store,
        bento: bento && { name: bento.info.name, version: bento.info.version },
      }
      const { logger } = listen
      const running = options.runner ? await serveRunner(service, options.runner, listen) : await serve(service, listen)
      const serving = options.runner ? `runner:${options.runner}` : service.name
      logger.log({
        level: 'info',
        event: 'server.listening',
        message: `serving ${serving} at ${running.url}`,
        fields: { url: running.url },
      })
      for (const [runner, model] of Object.entries(service.waiting))
        logger.log({
          level: 'warn',
          event: 'runner.waiting',
          message: `runner "${runner}" waits for model "${model}"; it starts on the first call after the model is saved`,
          fields: { runner, model },
        })
      const stopping = (signal: string, message: string, delayMs?: number) =>
        logger.log({ level: 'info', event: 'server.stopping', message, fields: { signal, delayMs } })
      await new Promise<void>((resolve) => {
        const delayMs = listen.shutdownDelayMs ?? DEFAULTS.server.shutdownDelayMs
        // SIGTERM (a rolling update) waits for load balancers first; a SIGTERM repeated (npm passing one
        // on) changes nothing. SIGINT (Ctrl-C) drains at once, also during that wait.
        let told = false
        process.on('SIGTERM', () => {
          if (!told)
            stopping(
              'SIGTERM',
              `SIGTERM: /readyz answers 503 for ${delayMs} ms while serving, then finishing requests in flight and stopping`,
              delayMs,
            )
          told = true
          void running.shutdown().then(resolve)
        })
        process.on('SIGINT', () => {
          stopping('SIGINT', 'SIGINT: finishing requests in flight, then stopping')
          void running.close().then(resolve)
        })
      })
    })
}
