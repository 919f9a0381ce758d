/**
 * tiffin's errors. Each carries a stable `code` and the HTTP status it maps to, so that one place
 * (the service's error handler) turns any of them into a response and nothing else formats errors.
 */
export class TiffinError extends Error {
  /** A stable, machine-readable name for the kind of failure. */
  readonly code: string = 'internal'
  /** The HTTP status this error is answered with. */
  readonly status: number = 500
  /** Seconds after which trying again makes sense, for errors that say (a busy or starting runner). */
  readonly retryAfterS?: number

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** The caller sent something malformed: a bad tag, a wrong dtype, a body that does not parse. */
export class BadInput extends TiffinError {
  override readonly code = 'bad_input'
  override readonly status = 400
}

/** A body that parsed but does not hold what the API expects (a schema, a shape, a dtype). */
export class Unprocessable extends TiffinError {
  override readonly code = 'unprocessable'
  override readonly status = 422
}

/** A body of a content type the API does not take. */
export class UnsupportedMediaType extends TiffinError {
  override readonly code = 'unsupported_media_type'
  override readonly status = 415
}

/** A body larger than the API's limit. */
export class PayloadTooLarge extends TiffinError {
  override readonly code = 'payload_too_large'
  override readonly status = 413
}

/** A model, version, route or runner that does not exist. */
export class NotFound extends TiffinError {
  override readonly code = 'not_found'
  override readonly status = 404
}

/** A route that exists, asked with a method it does not answer. */
export class MethodNotAllowed extends TiffinError {
  override readonly code = 'method_not_allowed'
  override readonly status = 405
}

/** A name or version that is already taken, or a tag prefix that matches more than one version. */
export class Conflict extends TiffinError {
  override readonly code = 'conflict'
  override readonly status = 409
}

/** Stored bytes that fail their checksum or do not parse: never handed out as good. */
export class Corrupted extends TiffinError {
  override readonly code = 'corrupted'
  override readonly status = 500
}

/** Storage is full: the browser's quota or the disk. Nothing was written. */
export class StorageFull extends TiffinError {
  override readonly code = 'storage_full'
  override readonly status = 507
}

/** The runtime cannot take more work now; `retryAfterS` says when trying again makes sense. */
export class Overloaded extends TiffinError {
  override readonly code = 'overloaded'
  override readonly status = 503
  override readonly retryAfterS: number

  constructor(message: string, retryAfterS: number, options?: ErrorOptions) {
    super(message, options)
    this.retryAfterS = retryAfterS
  }
}

/** A runner that is not up (not started, failed to start, or stopped): the call ran nowhere. */
export class NotStarted extends TiffinError {
  override readonly code = 'not_started'
  override readonly status = 503
  override readonly retryAfterS: number

  constructor(message: string, retryAfterS = 5, options?: ErrorOptions) {
    super(message, options)
    this.retryAfterS = retryAfterS
  }
}

/** Something the runtime or environment does not support, such as a backend with no adapter. */
export class Unsupported extends TiffinError {
  override readonly code = 'unsupported'
  override readonly status = 501
}

/** A worker died, or was stopped, while it held the call; the runner has started a new one. */
export class WorkerLost extends TiffinError {
  override readonly code = 'worker_lost'
  override readonly status = 503
}

/** The call took longer than it was allowed to. */
export class Timeout extends TiffinError {
  override readonly code = 'timeout'
  override readonly status = 504
}

const BY_CODE: Record<string, new (message: string) => TiffinError> = {
  bad_input: BadInput,
  unprocessable: Unprocessable,
  unsupported_media_type: UnsupportedMediaType,
  payload_too_large: PayloadTooLarge,
  not_found: NotFound,
  method_not_allowed: MethodNotAllowed,
  conflict: Conflict,
  corrupted: Corrupted,
  storage_full: StorageFull,
  unsupported: Unsupported,
  worker_lost: WorkerLost,
  timeout: Timeout,
}

/** The plain fields of an error, as they cross a worker or network boundary. */
export interface ErrorFields {
  readonly name: string
  readonly message: string
  readonly code?: string
  readonly retryAfterS?: number
}

export function errorFields(error: unknown): ErrorFields {
  if (error instanceof TiffinError) {
    const { name, message, code, retryAfterS } = error
    return retryAfterS === undefined ? { name, message, code } : { name, message, code, retryAfterS }
  }
  if (error instanceof Error) return { name: error.name, message: error.message }
  return { name: 'Error', message: String(error) }
}

/** Rebuilds an error of the right class from its fields, so a 400 stays a 400 across a boundary. */
export function errorFromFields(fields: ErrorFields): Error {
  if (fields.code === 'overloaded') return new Overloaded(fields.message, fields.retryAfterS ?? 1)
  if (fields.code === 'not_started') return new NotStarted(fields.message, fields.retryAfterS)
  const type = fields.code ? BY_CODE[fields.code] : undefined
  const error = type ? new type(fields.message) : new Error(fields.message)
  if (!type) error.name = fields.name
  return error
}

/** The same kind of error, its message prefixed with where it happened (a plain Error for anything else). */
export function withContext(error: unknown, context: string): Error {
  const fields = errorFields(error)
  const wrapped = errorFromFields({ ...fields, message: `${context}: ${fields.message}` })
  ;(wrapped as { cause?: unknown }).cause = error
  return wrapped
}
