import { NotFound, Unsupported } from '../errors.js'
import { validateTagPart } from '../tag.js'
import type { StoreBackend } from './backend.js'
import { validateFileName } from './manifest.js'
import { ModelStore } from './model-store.js'

/**
 * A read-only model store served as static files in the file store's layout (`<name>/<version>/model.json`
 * and files), as a built service's folder holds its models. `versions` lists what is there, since static
 * files cannot be listed. Bytes are checked against their sha256 on every read, as in any store.
 */
export function httpStore(
  base: string | URL,
  versions: Readonly<Record<string, readonly string[]>>,
  fetcher: typeof fetch = (input, init) => fetch(input, init),
): ModelStore {
  return new ModelStore(new HttpBackend(new URL(base), versions, fetcher))
}

class HttpBackend implements StoreBackend {
  constructor(
    private readonly base: URL,
    private readonly versions: Readonly<Record<string, readonly string[]>>,
    private readonly fetcher: typeof fetch,
  ) {}

  get location(): string {
    return this.base.href
  }

  async names(): Promise<string[]> {
    return Object.keys(this.versions)
  }

  async manifests(name: string): Promise<unknown[]> {
    const versions = this.versions[validateTagPart(name, 'name')] ?? []
    return Promise.all(
      versions.map(async (version) =>
        JSON.parse(new TextDecoder().decode(await this.get(name, version, 'model.json'))),
      ),
    )
  }

  readFile(name: string, version: string, file: string): Promise<Uint8Array> {
    return this.get(name, version, validateFileName(file))
  }

  private async get(name: string, version: string, file: string): Promise<Uint8Array> {
    const url = new URL(
      `${encodeURIComponent(validateTagPart(name, 'name'))}/${encodeURIComponent(validateTagPart(version, 'version'))}/${encodeURIComponent(file)}`,
      this.base,
    )
    const response = await this.fetcher(url)
    if (!response.ok) throw new NotFound(`${url.href} answered ${response.status}`)
    return new Uint8Array(await response.arrayBuffer())
  }

  begin(): Promise<never> {
    return Promise.reject(new Unsupported(`${this.location} is read-only`))
  }

  deleteVersion(): Promise<void> {
    return Promise.reject(new Unsupported(`${this.location} is read-only`))
  }

  async usage(): Promise<undefined> {
    return undefined
  }
}
