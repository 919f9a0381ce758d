// `tiffin-serve/client`: the typed client alone, for apps that call a service and run none. It holds no
// service, runner or ONNX Runtime code, so a page that only calls an API stays small.
export { createClient, ClientError } from './client/create-client.js'
export type { Client, ClientOptions, ClientCallOptions, ClientInput, ClientOutput } from './client/create-client.js'
export { tensor, fromNested, toNested, DTYPES } from './tensor/tensor.js'
export type { DType, Tensor, TypedArray, TypedArrays, Nested } from './tensor/tensor.js'
export type { ImagePixels } from './io/image.js'
export type { ErrorBody } from './service/http-errors.js'
