// Every setting a user may leave out, and the value tiffin takes then: one typed object, read where each applies.

export interface Defaults {
  readonly batching: {
    readonly enabled: boolean
    readonly maxBatchSize: number
    readonly maxLatencyMs: number
    readonly maxQueueItems: number
  }
  readonly runner: {
    /** How long one call may run before its worker is replaced. */
    readonly timeoutMs: number
    /** How long a worker may take to set up. */
    readonly setupTimeoutMs: number
    /** A runner that failed to start tries again, on a call, at most this often. */
    readonly failedRetryMs: number
    /**
     * The shared memory between a runner and each worker it started: calls and answers up to this size go
     * through it, larger ones by message (which moves big tensors without copying them).
     */
    readonly sharedMemoryBytes: number
  }
  /** A service's HTTP limits (`config.http`). */
  readonly http: { readonly maxBodyBytes: number; readonly timeoutMs: number; readonly maxInFlight: number }
  /** A runner served alone for remote API servers: bodies are batches of tensors. */
  readonly runnerHttp: { readonly maxBodyBytes: number }
  /** `serve()` and `tiffin serve`. */
  readonly server: {
    readonly port: number
    readonly host: string
    /** How long a shutdown waits for requests in flight. */
    readonly drainMs: number
    /** On SIGTERM, how long `/readyz` answers 503 while requests are still served, before draining. */
    readonly shutdownDelayMs: number
  }
  /** The serve config's `logging`, and how often one kind of refusal is logged. */
  readonly logging: {
    /** One line per request. */
    readonly access: boolean
    readonly format: 'text' | 'json'
    /** Calls refused as overloaded are logged once in this long per runner method (or API) and reason, counting the rest. */
    readonly refusalIntervalMs: number
  }
  /** How often an API server asks a remote runner replica that went away whether it is back. */
  readonly replicaProbeMs: number
  /** How long a page holds its requests back at most while a new Service Worker version takes over. */
  readonly serviceWorkerTakeoverMs: number
  /** How often a Service Worker checks that a page lending it workers is still open. */
  readonly pageCheckMs: number
  /** How long a Service Worker call waits for a page to lend a runner workers before the Service Worker starts its own copy. */
  readonly serviceWorkerOwnCopyAfterMs: number
  /** How long, at most, it waits instead while a page holds the leader's lock (it is starting its workers). */
  readonly serviceWorkerLeaderWaitMs: number
  /** The largest image `io.image()` decodes. */
  readonly maxImagePixels: number
  /** The IndexedDB database of the browser's model store. */
  readonly indexedDBName: string
  /** How long the checked warm-up may compare WebGPU with WASM before it decides on what it saw. */
  readonly webgpuCheckBudgetMs: number
  /** ONNX Runtime sessions on WebGPU warm up at these batch sizes when the runner sets no largest batch. */
  readonly webgpuWarmupBatchSizes: readonly number[]
  /** `tiffin build`. */
  readonly build: {
    /** An LTS release of Node (supported into 2028); 20 reached its end of life in April 2026. */
    readonly image: string
    readonly port: number
    readonly prefix: string
    readonly runners: 'embedded' | 'delegated' | 'both'
    /** The bento's serve config, from the build config: what `tiffin serve <bento>` reads unless told another. */
    readonly serveConfig: string
  }
  /** The Kubernetes manifests a build writes. */
  readonly kubernetes: {
    readonly requests: {
      readonly api: Readonly<Record<string, string>>
      readonly runner: Readonly<Record<string, string>>
    }
    readonly targetCPUUtilization: number
    /** Where the ConfigMap holding the serve config is mounted in every container. */
    readonly configDir: string
    /** Each component's PodDisruptionBudget: pods that may be evicted at once. */
    readonly maxUnavailable: number
    /** Seconds the grace period allows beyond the shutdown delay and the drain, for the runners to stop. */
    readonly stopSeconds: number
  }
}

export const DEFAULTS: Defaults = {
  batching: { enabled: true, maxBatchSize: 64, maxLatencyMs: 10_000, maxQueueItems: 4096 },
  runner: { timeoutMs: 60_000, setupTimeoutMs: 120_000, failedRetryMs: 5_000, sharedMemoryBytes: 256 * 1024 },
  http: { maxBodyBytes: 32 * 1024 * 1024, timeoutMs: 60_000, maxInFlight: 1024 },
  runnerHttp: { maxBodyBytes: 256 * 1024 * 1024 },
  server: {
    port: 3000,
    host: '127.0.0.1',
    drainMs: 30_000,
    shutdownDelayMs: 5_000,
  },
  logging: { access: false, format: 'text', refusalIntervalMs: 10_000 },
  replicaProbeMs: 500,
  serviceWorkerTakeoverMs: 3000,
  pageCheckMs: 1000,
  serviceWorkerOwnCopyAfterMs: 1000,
  serviceWorkerLeaderWaitMs: 15_000,
  maxImagePixels: 40_000_000,
  indexedDBName: 'tiffin',
  webgpuCheckBudgetMs: 10_000,
  webgpuWarmupBatchSizes: [1, 2, 4, 8],
  build: { image: 'node:24-slim', port: 3000, prefix: 'api', runners: 'both', serveConfig: 'serve.yaml' },
  kubernetes: {
    requests: { api: { cpu: '500m', memory: '512Mi' }, runner: { cpu: '1', memory: '1Gi' } },
    targetCPUUtilization: 70,
    configDir: '/etc/tiffin',
    maxUnavailable: 1,
    stopSeconds: 10,
  },
}
