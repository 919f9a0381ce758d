// The built page: copies the service's models into IndexedDB, registers the Service Worker that serves the
// API under `<prefix>/`, and lends it this page's Web Workers. `document.body.dataset.state` says where it is.
import options from 'virtual:tiffin/options'
import * as serviceModule from 'virtual:tiffin/service'
import { lendRunners } from '../../adapters/browser/page-lending.js'
import { createBrowserPlatform } from '../../adapters/browser/platform.js'
import { pickService } from '../../service/pick-service.js'
import { httpStore } from '../../store/http.js'
import { indexedDBStore } from '../../store/idb.js'
import { parseTag } from '../../tag.js'
import type { BentoInfo } from '../bento.js'

const service = pickService(serviceModule, 'the built service')
const store = indexedDBStore()
const show = (id: string, text: string): void => void (document.getElementById(id)!.textContent = text)

/** Models not yet in IndexedDB are read from the folder and imported, checked against their sha256. */
async function copyModels(bento: BentoInfo): Promise<void> {
  const versions: Record<string, string[]> = {}
  for (const { tag } of bento.models) {
    const { name, version } = parseTag(tag)
    ;(versions[name] ??= []).push(version!)
  }
  const folder = httpStore(new URL('models/', location.href), versions)
  let copied = 0
  for (const { tag } of bento.models) {
    const present = await store.get(tag).then(
      () => true,
      () => false,
    )
    if (!present) {
      show('models', `Models: copying ${tag} into IndexedDB…`)
      await store.import(await folder.export(tag))
      copied++
    }
  }
  show('models', `Models: ${bento.models.length} in IndexedDB${copied ? ` (${copied} copied now)` : ''}`)
}

async function registerServiceWorker(): Promise<void> {
  const container = navigator.serviceWorker
  const controlled = container.controller
    ? Promise.resolve()
    : new Promise((resolve) => container.addEventListener('controllerchange', resolve, { once: true }))
  await container.register('sw.js', { type: 'module' })
  await controlled
  show('sw', `Service Worker: answering ${new URL(options.prefix, location.href).pathname}/*`)
}

async function start(): Promise<void> {
  document.body.dataset.state = 'starting'
  const bento = (await (await fetch('bento.json')).json()) as BentoInfo
  await copyModels(bento)
  await registerServiceWorker()
  if (options.runners !== 'embedded') {
    const platform = createBrowserPlatform(
      (name) => new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name }),
    )
    await lendRunners(service, { platform, store })
    show('runners', `Runners: ${service.runners.map((r) => `${r.name} (${r.notes.join('; ') || r.state})`).join(', ')}`)
  } else {
    show('runners', 'Runners: in the Service Worker')
  }
  document.body.dataset.state = 'ready'
}

start().catch((error: unknown) => {
  document.body.dataset.state = 'failed'
  show('error', `Could not start: ${(error as Error).message}`)
  console.error(error)
})
