import type { Command } from 'commander'
import { resolve } from 'node:path'
import type { StoredBento } from '../build/bento-store.js'
import { bentoTag, type BentoInfo } from '../build/bento.js'
import { buildBento } from '../build/build.js'
import { printLines, type CliContext } from './context.js'
import { formatLabels, formatTable, humanTime } from './output.js'

function bentoTable(bentos: readonly StoredBento[]): string[] {
  const rows = bentos.map(({ info }) => [
    bentoTag(info),
    String(info.apis.length),
    info.runners.map((r) => r.name).join(',') || '–',
    humanTime(info.createdAt),
    formatLabels(info.labels),
  ])
  return formatTable(['TAG', 'APIS', 'RUNNERS', 'CREATED', 'LABELS'], rows)
}

function describeBento({ info, path }: StoredBento): string[] {
  const line = (key: string, value: string): string => `${`${key}:`.padEnd(12)}${value}`
  return [
    line('tag', bentoTag(info)),
    line('service', info.service),
    line('created', humanTime(info.createdAt)),
    line('path', path),
    line('tiffin', info.tiffin),
    line('labels', formatLabels(info.labels) || '(none)'),
    ...info.apis.map((a, i) => line(i === 0 ? 'apis' : '', `POST ${a.route}  ${a.input.kind} → ${a.output.kind}`)),
    ...info.runners.map((r, i) =>
      line(i === 0 ? 'runners' : '', `${r.name}  ${r.runnable}  ${r.models.join(', ') || 'no models'}`),
    ),
    ...info.models.map((m, i) => line(i === 0 ? 'models' : '', m.tag)),
    line(
      'browser',
      info.browser ? `${info.browser.index}, Service Worker answering ${info.browser.prefix}/` : 'not built',
    ),
  ]
}

const json = (info: BentoInfo, path: string): string => JSON.stringify({ ...info, path }, null, 2)

/** Adds `tiffin build` and `tiffin bentos …`. */
export function register(program: Command, context: CliContext): void {
  program
    .command('build')
    .description('build a service into a versioned folder (a bento); prints its path last')
    .argument('[config]', 'tiffin.config.ts, tiffin.yaml, a folder holding one, or a service module', '.')
    .action(async (target: string) => {
      const built = await buildBento(target, {
        models: context.store,
        bentos: context.bentos,
        onStep: (step) => context.stderr.write(`tiffin build: ${step}\n`),
      })
      printLines(context.stdout, [`built ${bentoTag(built.info)}`, built.path])
    })

  const bentos = program.command('bentos').description('list, show, delete, export and import built services')
  bentos
    .command('list')
    .argument('[name]', 'only the versions of this bento')
    .option('--json', 'print bento.json of each, with its path')
    .action(async (name: string | undefined, flags: { json?: boolean }) => {
      const found = await context.bentos.list(name)
      if (flags.json) printLines(context.stdout, [`[${found.map((b) => json(b.info, b.path)).join(',\n')}]`])
      else printLines(context.stdout, found.length ? bentoTable(found) : [`No bentos in ${context.bentos.root}`])
    })
  bentos
    .command('show')
    .argument('<tag>', 'name, name:version, name:latest or a version prefix')
    .option('--json', 'print bento.json, with its path')
    .action(async (tag: string, flags: { json?: boolean }) => {
      const bento = await context.bentos.get(tag)
      printLines(context.stdout, flags.json ? [json(bento.info, bento.path)] : describeBento(bento))
    })
  bentos
    .command('delete')
    .argument('<tag>', 'the version to delete (a bare name means its latest)')
    .action(async (tag: string) => printLines(context.stdout, [bentoTag((await context.bentos.delete(tag)).info)]))
  bentos
    .command('export')
    .description('write a bento to one .tiffin-bento file (a gzipped tar); prints its path')
    .argument('<tag>')
    .argument('<file>')
    .action(async (tag: string, file: string) => {
      await context.bentos.export(tag, file)
      printLines(context.stdout, [resolve(file)])
    })
  bentos
    .command('import')
    .description('import a .tiffin-bento file; prints its tag')
    .argument('<file>')
    .action(async (file: string) => printLines(context.stdout, [bentoTag((await context.bentos.import(file)).info)]))
}
