import { Unprocessable } from '../errors.js'
import { inField, isJsonType, readForm, requireMediaType } from './content-type.js'
import type { IODescriptor, IOValue, JsonSchema, OpenApiContent } from './descriptor.js'

/** The descriptors of a form's fields, by field name; each must be able to read a part (`parsePart`). */
export type MultipartFields = Readonly<Record<string, IODescriptor<unknown>>>

/** The parsed form: each field's value, typed by its descriptor. */
export type MultipartValue<F extends MultipartFields> = { [K in keyof F]: IOValue<F[K]> }

const FORM = 'multipart/form-data'

/**
 * A `multipart/form-data` body whose fields are each read by their own descriptor. Every field is
 * required and appears once; a missing, repeated or unknown field is a 422 that names the expected ones.
 * The answer is a form as well, each field written by its descriptor.
 */
export function multipart<F extends MultipartFields>(fields: F): IODescriptor<MultipartValue<F>> {
  const names = Object.keys(fields)
  for (const name of names) {
    // A programming error, found when the API is declared rather than at the first request.
    if (!fields[name]!.parsePart)
      throw new TypeError(`Field "${name}": a ${fields[name]!.kind} descriptor cannot read a multipart part`)
  }
  const expected = `expected ${list(names)}`
  return {
    kind: 'multipart',
    async parse(request) {
      requireMediaType(request, (type) => type === FORM, [FORM])
      const form = await readForm(request)
      const unknown = [...new Set(form.keys())].filter((name) => !Object.hasOwn(fields, name))
      if (unknown.length > 0) throw new Unprocessable(`Unexpected form field ${list(unknown)}; ${expected}`)
      const missing = names.filter((name) => !form.has(name))
      if (missing.length > 0) throw new Unprocessable(`Missing form field ${list(missing)}; ${expected}`)
      const values = await Promise.all(
        names.map((name) => {
          const parts = form.getAll(name)
          if (parts.length > 1)
            throw new Unprocessable(`Form field "${name}" appears ${parts.length} times; expected once`)
          return inField(name, () => fields[name]!.parsePart!(parts[0]!, name))
        }),
      )
      return Object.fromEntries(names.map((name, i) => [name, values[i]])) as MultipartValue<F>
    },
    async serialize(value) {
      const form = new FormData()
      for (const name of names) {
        // Each field in its descriptor's default format: the client's Accept was for the form as a whole.
        const blob = await (await fields[name]!.serialize(value[name])).blob()
        if (blob.type.startsWith('text/plain')) form.append(name, await blob.text())
        else form.append(name, blob, name)
      }
      return new Response(form)
    },
    requestContent: () => formContent(fields, (d) => d.requestContent()),
    responseContent: () => formContent(fields, (d) => d.responseContent()),
  }
}

function list(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ')
}

/** An object schema with a property per field, and an `encoding` giving each field's media types. */
function formContent(fields: MultipartFields, contentOf: (d: IODescriptor<unknown>) => OpenApiContent): OpenApiContent {
  const properties: Record<string, JsonSchema> = {}
  const encoding: Record<string, { contentType: string }> = {}
  for (const [name, descriptor] of Object.entries(fields)) {
    const content = contentOf(descriptor)
    const types = Object.keys(content)
    const first = types[0] ?? 'application/octet-stream'
    const structured = isJsonType(first) || first === 'text/plain'
    properties[name] = structured ? content[first]!.schema : { type: 'string', format: 'binary' }
    encoding[name] = { contentType: types.join(', ') || first }
  }
  // OpenAPI's media type object holds `encoding` beside `schema`; OpenApiContent types only the schema.
  const media = { schema: { type: 'object', properties, required: Object.keys(fields) }, encoding }
  return { [FORM]: media }
}
