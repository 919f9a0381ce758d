// Makes `@opentelemetry/*` impossible to import in the process it is loaded into (NODE_OPTIONS=--import),
// as for a user who never installed it: tiffin must serve all the same.
import { register } from 'node:module'

const hook = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/'))
    throw Object.assign(new Error('Cannot find package ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' })
  return next(specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(hook)}`)
