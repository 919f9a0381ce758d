// onnxruntime-web with its WebAssembly missing (a bundle that did not ship it) says what to do, in a line.
import * as ort from 'onnxruntime-web'
import { expect, it } from 'vitest'
import { Unsupported } from '../../src/errors.js'
import { openSession } from '../../src/onnx/session.js'
import { linearModel } from '../fixtures/models.js'

it("a session whose .wasm cannot be loaded fails with one line naming the fix, not onnxruntime-web's abort", async () => {
  ort.env.wasm.wasmPaths = { wasm: new URL('file:///nonexistent/ort-wasm-simd-threaded.jsep.wasm').href }
  ort.env.wasm.numThreads = 1
  const runtime = { ort, executionProvider: 'wasm', backend: 'onnxruntime-web', reason: 'test' } as const
  const error = await openSession(runtime, linearModel().bytes, 'linear:1', undefined, 1).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(Unsupported)
  expect((error as Error).message).toMatch(
    /^linear:1: onnxruntime-web could not load its WebAssembly \(no available backend found.*ENOENT.*\); serve onnxruntime-web's ort-wasm-simd-threaded\.jsep\.wasm with the app: in a Vite app add the tiffin-serve Vite plugin, elsewhere pass its URL as onnx\.wasmUrl$/,
  )
  expect((error as Error).message).not.toContain('\n')
})
