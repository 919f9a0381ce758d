// Reads a serve config file (`tiffin serve --config FILE`, or `TIFFIN_CONFIG`): YAML, or JSON for `.json`.
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { BadInput } from '../../errors.js'
import { checkServeConfig, type ServeConfig } from '../../service/serve-config.js'

/** The file's settings, checked field by field: the first bad one is refused in one line naming its key. */
export async function readServeConfig(file: string): Promise<ServeConfig> {
  const source = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new BadInput(
      `${file}: cannot read the serve config (${error.code === 'ENOENT' ? 'no such file' : error.message})`,
    )
  })
  const json = file.endsWith('.json')
  let raw: unknown
  try {
    raw = json ? JSON.parse(source) : parseYaml(source)
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]
    throw new BadInput(`${file}: is not ${json ? 'JSON' : 'YAML'} (${reason})`)
  }
  return checkServeConfig(raw ?? {}, file)
}
