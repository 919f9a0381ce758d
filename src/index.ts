// tiffin's runtime-neutral core: it runs unchanged in a page, a worker, a Service Worker and Node.
// Runtime entry points (`tiffin-serve/node`, `tiffin-serve/browser`, `tiffin-serve/service-worker`) add what differs.
export * from './errors.js'
export * from './tag.js'
export * from './tensor/tensor.js'
export { ModelStore, tagOf } from './store/model-store.js'
export type { SaveOptions, SaveProgress, SignatureOptions, VerifyReport } from './store/model-store.js'
export type { ModelInfo, MethodSignature, ModelFormat, StoredFile } from './store/manifest.js'
export type { StoreBackend, PendingVersion, StorageUsage } from './store/backend.js'
export type { ModelSource } from './store/source.js'
export { ARCHIVE_EXTENSION } from './store/archive.js'
export { defineRunnable, RESOURCES } from './runner/runnable.js'
export type { Runnable, RunnableDefinition, RunnableContext, Resource } from './runner/runnable.js'
export { Runner } from './runner/runner.js'
export type {
  RunnerOptions,
  RunnerInitOptions,
  RunnerConfig,
  RunnerConfigLayer,
  RunnerSettings,
  MethodSettings,
  Setting,
  SettingSource,
  CallOptions,
  MethodHandle,
  RunnerState,
  RunnerStats,
} from './runner/runner.js'
export { liveCounts } from './runner/live-counts.js'
export type { LiveCounts } from './runner/live-counts.js'
export type { RunnerPlatform, WorkerConnection } from './runner/platform.js'
export type { Executor } from './runner/executor.js'
export { RemoteExecutor } from './runner/remote-executor.js'
export { encodeValue, decodeValue, WIRE_MEDIA_TYPE } from './tensor/wire-format.js'
export type { WorkerServices, StoreRef, LoadedOnnxRuntime, OnnxRuntimeLoader } from './runner/platform.js'
export type { BatchingOptions, MethodConfig } from './batching/config.js'
export { BATCHING_DEFAULTS } from './batching/config.js'
export type { MethodMetrics } from './batching/metrics.js'
export { onnxModels, onnxRunner, runnerOptionsFor } from './onnx/models.js'
export type { OnnxModel, OnnxRunnerOptions, SaveOnnxOptions } from './onnx/models.js'
export { onnxRunnable } from './onnx/runnable.js'
export type { OnnxParams, OnnxMethods } from './onnx/runnable.js'
export { Service, RESERVED_ROUTES } from './service/service.js'
export type {
  ServiceConfig,
  ServiceEnvironment,
  HttpConfig,
  ApiOptions,
  ApiContext,
  ApiHandler,
  Api,
  ApiTypes,
} from './service/service.js'
export type { ServeConfig, ServeRunnerConfig, LoggingConfig, ShutdownConfig } from './service/serve-config.js'
export type { RunnerReport } from './service/runner-report.js'
export type { OpenApiDocument } from './service/openapi.js'
export type { ErrorBody } from './service/http-errors.js'
export { consoleLogger, lineLogger } from './telemetry/logger.js'
export type { Logger, LogRecord, LogLevel, LogValue, LogFormat } from './telemetry/logger.js'
export type { Telemetry } from './telemetry/telemetry.js'
export type { MetricFamily } from './telemetry/metric-family.js'
export type { Tracing, RequestSpan, CallTrace, BatchSpan, SpanAttributes } from './telemetry/tracing.js'
export { openTelemetryTracing } from './telemetry/opentelemetry.js'
export type { OpenTelemetryApi } from './telemetry/opentelemetry-api.js'
// IO descriptors as a namespace, as BentoML's `bentoml.io`: `io.json()`, `io.tensor()`, `io.image()`…
export * as io from './io/index.js'
export type { IODescriptor, IOValue } from './io/descriptor.js'
export { createClient, ClientError } from './client/create-client.js'
export type { Client, ClientOptions, ClientCallOptions, ClientInput, ClientOutput } from './client/create-client.js'
