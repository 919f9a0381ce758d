import { BadInput, TiffinError, Unprocessable } from '../errors.js'
import { decodeUtf8, isJsonType, readBytes, requireMediaType } from './content-type.js'
import type { IODescriptor, JsonSchema } from './descriptor.js'

/**
 * The Standard Schema interface (https://standardschema.dev), which zod 3.24+/4, valibot and arktype
 * implement: declared here, in its minimal form, so that tiffin depends on none of them.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown) => StandardSchemaV1.Result<Output> | Promise<StandardSchemaV1.Result<Output>>
    readonly types?: { readonly input: Input; readonly output: Output } | undefined
  }
}

export declare namespace StandardSchemaV1 {
  type Result<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: readonly Issue[] }
  interface Issue {
    readonly message: string
    readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
  }
}

export interface JsonOptions<T> {
  /** Checks (and may transform) the parsed body; a failure is a 422 listing each issue with its path. */
  readonly schema?: StandardSchemaV1<unknown, T>
  /** The body's JSON Schema for OpenAPI: schema libraries export theirs in different ways, so pass it here. */
  readonly jsonSchema?: JsonSchema
  /** An example body, shown in the OpenAPI document. */
  readonly example?: unknown
}

const JSON_TYPE = 'application/json'

/** A JSON body in (`application/json` or any `+json` type), a JSON value out. */
export function json<T = unknown>(options: JsonOptions<T> = {}): IODescriptor<T> {
  const validated = async (value: unknown): Promise<T> =>
    options.schema ? validate(options.schema, value) : (value as T)
  const content = () => {
    const schema: JsonSchema =
      options.example === undefined ? { ...options.jsonSchema } : { ...options.jsonSchema, examples: [options.example] }
    return { [JSON_TYPE]: { schema } }
  }
  return {
    kind: 'json',
    async parse(request) {
      requireMediaType(request, isJsonType, [JSON_TYPE])
      return validated(parseJsonText(decodeUtf8(await readBytes(request), 'The body')))
    },
    async parsePart(part) {
      const text = typeof part === 'string' ? part : decodeUtf8(new Uint8Array(await part.arrayBuffer()), 'The part')
      return validated(parseJsonText(text))
    },
    serialize: (value) => new Response(stringifyJson(value), { headers: { 'content-type': JSON_TYPE } }),
    requestContent: content,
    responseContent: content,
  }
}

/**
 * `JSON.parse` with a 400 that names the position of the fault. Engines word their messages differently
 * (Node's and Chromium's V8 already do), so only the first clause and the position are kept: the same
 * bad body gets the same answer in Node, a page and a Service Worker.
 */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '') throw new BadInput('The body is empty; expected a JSON value')
  try {
    return JSON.parse(text)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const position = /position (\d+)/.exec(message)?.[1]
    const what = message.split(/ in JSON| at position|\(/)[0]!.trim()
    throw new BadInput(
      `The body is not valid JSON: ${what}${position === undefined ? '' : ` (at character ${position})`}`,
      { cause: error },
    )
  }
}

async function validate<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): Promise<T> {
  const result = await schema['~standard'].validate(value)
  if (!result.issues) return result.value
  const issues = result.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
  throw new Unprocessable(`The body does not match the schema: ${issues.join('; ')}`)
}

/** `items[0].price`, or `(root)` for an issue with the whole value. */
export function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '(root)'
  return path
    .map((segment) => (typeof segment === 'object' ? segment.key : segment))
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('')
}

/**
 * `JSON.stringify` for a handler's result: typed arrays become arrays; a bigint is refused with a
 * clear error (JSON has no 64-bit integers, and silently losing precision is worse).
 */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value, jsonReplacer) ?? 'null'
  } catch (error) {
    if (error instanceof TiffinError) throw error
    throw new TiffinError(
      `The result cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
}

function jsonReplacer(key: string, value: unknown): unknown {
  if (typeof value === 'bigint' || value instanceof BigInt64Array || value instanceof BigUint64Array) {
    throw new TiffinError(
      `The result holds a bigint${key ? ` at "${key}"` : ''}, which JSON cannot carry; convert it to a number or a string first`,
    )
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>)
  return value
}
