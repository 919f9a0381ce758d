import { transfer, transferHandlers, type TransferHandler } from 'comlink'
import { errorFields, errorFromFields, type ErrorFields } from '../errors.js'

/**
 * Comlink passes only an error's message, name and stack; tiffin's errors also carry a code that decides
 * the HTTP status. This replaces Comlink's `throw` handler on both sides of a worker boundary so that a
 * `BadInput` thrown in a worker is still a `BadInput` for the caller (and stacks stay in the worker).
 */
const errorHandler: TransferHandler<{ value: unknown }, { isError: true; value: ErrorFields } | { isError: false; value: unknown }> = {
  canHandle: (value): value is { value: unknown } => typeof value === 'object' && value !== null && 'value' in value && isThrown(value),
  serialize: ({ value }) => [value instanceof Error ? { isError: true, value: errorFields(value) } : { isError: false, value }, []],
  deserialize: (wire) => {
    throw wire.isError ? errorFromFields(wire.value) : wire.value
  },
}

// Comlink marks a thrown value with a private symbol described "Comlink.thrown"; its own handler checks it.
function isThrown(value: object): boolean {
  return Object.getOwnPropertySymbols(value).some((s) => s.description === 'Comlink.thrown')
}

let registered = false
export function registerErrorTransfer(): void {
  if (registered) return
  registered = true
  transferHandlers.set('throw', errorHandler as TransferHandler<unknown, unknown>)
}

/** The distinct ArrayBuffers under a value's typed arrays, so they move instead of being copied. */
export function buffersOf(value: unknown, found = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) found.add(value.buffer)
  } else if (typeof value === 'object' && value !== null && depth < 8) {
    for (const child of Object.values(value)) buffersOf(child, found, depth + 1)
  }
  return [...found]
}

/** Marks a value's typed-array buffers for transfer. The sender must not use them afterwards. */
export function withTransfer<T>(value: T): T {
  return transfer(value, buffersOf(value))
}
