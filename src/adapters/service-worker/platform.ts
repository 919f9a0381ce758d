import type { RunnerPlatform } from '../../runner/platform.js'
import { createBrowserOnnxRuntime, type BrowserOnnxOptions } from '../web/onnx-runtime.js'
import { webPlatform, webServices } from '../web/platform.js'

/**
 * Runners inside a Service Worker. A Service Worker cannot start Web Workers (the platform has no
 * `spawnWorker`), so runners run in its own thread (`initLocal`: one WASM thread, or WebGPU) or on workers
 * a page lends them. ONNX Runtime is imported statically: `import()` is refused in Service Workers.
 */
export function serviceWorkerPlatform(onnx: BrowserOnnxOptions = {}): RunnerPlatform {
  return webPlatform('a Service Worker', () => 1, webServices(createBrowserOnnxRuntime(onnx)))
}
