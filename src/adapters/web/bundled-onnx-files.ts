import type { BrowserOnnxOptions } from './onnx-runtime.js'

/**
 * Where the app's bundle serves onnxruntime-web's files. The tiffin-serve Vite plugin rewrites this module
 * in each bundle it builds (page, Web Worker, Service Worker) to the URLs of the files it emitted; without
 * it, onnxruntime-web finds its files beside its own module, as it does by default.
 */
export const BUNDLED_ONNX_FILES: BrowserOnnxOptions = {}
