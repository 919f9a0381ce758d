// A few assertions that run unchanged in Node and in the browser, for suites shared by both.

export class AssertionError extends Error {}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message)
}

const show = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (show(actual) !== show(expected))
    throw new AssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`)
}

export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert(actual.length === expected.length, `${what}: expected ${expected.length} bytes, got ${actual.length}`)
  for (let i = 0; i < actual.length; i++) assert(actual[i] === expected[i], `${what}: bytes differ at offset ${i}`)
}

/** Awaits `action` and checks that it fails with an error of `type` whose message matches `pattern`. */
export async function assertRejects(
  action: () => Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  pattern: RegExp,
  what: string,
): Promise<Error> {
  let caught: unknown
  try {
    await action()
  } catch (error) {
    caught = error
  }
  assert(caught !== undefined, `${what}: expected ${type.name} matching ${pattern}, but it succeeded`)
  assert(
    caught instanceof type,
    `${what}: expected ${type.name}, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`,
  )
  assert(
    pattern.test((caught as Error).message),
    `${what}: message "${(caught as Error).message}" does not match ${pattern}`,
  )
  return caught as Error
}
