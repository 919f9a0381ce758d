/** An OpenAPI 3.1 schema object (JSON Schema 2020-12), kept loose: descriptors build them by hand. */
export type JsonSchema = { readonly [key: string]: unknown }

/** What a descriptor contributes to the OpenAPI document: media types and their schemas. */
export interface OpenApiContent {
  readonly [mediaType: string]: { readonly schema: JsonSchema }
}

/**
 * How an API's input or output travels over HTTP: parsed from a request, checked, serialised into a
 * response, and described in OpenAPI. Runtime-free: it speaks `Request` and `Response` only.
 */
export interface IODescriptor<T> {
  /** A short name for docs and errors: `json`, `tensor`, `image`, `text`, `file`, `multipart`. */
  readonly kind: string
  /**
   * Reads a request body. Throws `UnsupportedMediaType` (415) for a content type it does not take,
   * `BadInput` (400) for a body that does not parse, `Unprocessable` (422) for one that parses but does
   * not hold what is expected; every message says what was wrong and what was expected.
   */
  parse(request: Request): Promise<T>
  /** Reads one part of a multipart body (a form field or a file). */
  parsePart?(part: string | Blob, name: string): Promise<T>
  /** Writes a handler's result as a 200 response; `request` lets it honour `Accept`. */
  serialize(value: T, request?: Request): Promise<Response> | Response
  /** Media types this descriptor accepts as input, with their schemas. */
  requestContent(): OpenApiContent
  /** Media types this descriptor answers with, with their schemas. */
  responseContent(): OpenApiContent
}

/** The value a descriptor carries. */
export type IOValue<D> = D extends IODescriptor<infer T> ? T : never
