// Kubernetes manifests for a bento: a ConfigMap holding its serve config, and for the API server and each
// runner a Deployment (mounting that config), a Service, an autoscaler and a PodDisruptionBudget of their own,
// so runners scale apart from the API (BentoML's one deployment per runner).
import { stringify } from 'yaml'
import { DEFAULTS } from '../defaults.js'
import type { ServeConfig } from '../service/serve-config.js'
import type { BentoInfo, BentoRunner } from './bento.js'
import type { DeploymentConfig, QueueScaling } from './config.js'

/** A Kubernetes object as plain data, ready for YAML. */
export type Manifest = {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> }
  readonly [key: string]: unknown
}

/** A DNS-1123 label: lower-case letters, digits and `-`, at most 63 characters. */
export function k8sName(...parts: string[]): string {
  const name = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
  return name.slice(0, 63).replace(/-$/, '') || 'tiffin'
}

export const runnerServiceName = (bento: BentoInfo, runner: string): string => k8sName(bento.name, 'runner', runner)

/** The serve config the manifests mount: its settings, and the text the ConfigMap holds. */
export interface ServeConfigFile {
  readonly config: ServeConfig
  readonly text: string
}

/**
 * `config.yaml` (the ConfigMap), then one file per component, `api.yaml` and `runner-<name>.yaml`: each a
 * Deployment, a Service, an autoscaler (an HPA, or a KEDA ScaledObject) and a PodDisruptionBudget.
 */
export function kubernetesManifests(
  bento: BentoInfo,
  serve: ServeConfigFile,
  image = `${k8sName(bento.name)}:${bento.version}`,
): Map<string, Manifest[]> {
  const port = bento.node.port
  const files = new Map<string, Manifest[]>()
  const configMap: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configMapName(bento), labels: commonLabels(bento) },
    data: { [DEFAULTS.build.serveConfig]: serve.text },
  }
  files.set('config.yaml', [configMap])
  const listen = ['--host', '0.0.0.0', '--port', String(port)]
  const config = ['--config', `${DEFAULTS.kubernetes.configDir}/${DEFAULTS.build.serveConfig}`]
  const runnerMap = bento.runners.flatMap((r) => [
    '--runner-map',
    `${r.name}=http://${runnerServiceName(bento, r.name)}:${port}`,
  ])
  const pod = { bento, image, serve: serve.config }
  files.set(
    'api.yaml',
    component(pod, 'api', k8sName(bento.name, 'api'), bento.deploy.api, [
      'serve',
      '.',
      ...listen,
      ...config,
      ...runnerMap,
    ]),
  )
  for (const runner of bento.runners) {
    const args = ['serve', '.', '--runner', runner.name, ...listen, ...config]
    const name = runnerServiceName(bento, runner.name)
    files.set(
      `runner-${k8sName(runner.name)}.yaml`,
      component(pod, runner, name, bento.deploy.runners[runner.name] ?? {}, args),
    )
  }
  return files
}

export const manifestsYaml = (manifests: readonly Manifest[]): string =>
  manifests.map((m) => stringify(m, { aliasDuplicateObjects: false })).join('---\n')

const configMapName = (bento: BentoInfo): string => k8sName(bento.name, 'config')

const commonLabels = (bento: BentoInfo) => ({
  'app.kubernetes.io/name': k8sName(bento.name),
  'app.kubernetes.io/version': bento.version,
  'app.kubernetes.io/managed-by': 'tiffin',
})

/**
 * The CPU a component asks for, matching where its runner will run: one core per worker and one for the
 * server's thread, or for a runnable that threads itself one per worker (`TIFFIN_CPUS`, set from this
 * request, gives it exactly what it asked for); the default where no worker count is set.
 */
function cpuRequest(runner: BentoRunner | undefined): string {
  if (!runner?.workers) return DEFAULTS.kubernetes.requests[runner ? 'runner' : 'api'].cpu!
  return String(runner.multiThreaded ? runner.workers : runner.workers + 1)
}

function component(
  pod: { readonly bento: BentoInfo; readonly image: string; readonly serve: ServeConfig },
  runner: BentoRunner | 'api',
  name: string,
  config: DeploymentConfig,
  args: string[],
): Manifest[] {
  const { bento, image, serve } = pod
  const role = runner === 'api' ? 'api' : 'runner'
  const port = bento.node.port
  const selector = { 'app.kubernetes.io/name': k8sName(bento.name), 'app.kubernetes.io/component': name }
  const labels = { ...commonLabels(bento), ...selector }
  const replicas = config.replicas ?? 1
  const minReplicas = config.autoscaling?.minReplicas ?? Math.max(1, replicas)
  const maxReplicas = config.autoscaling?.maxReplicas ?? Math.max(minReplicas, 4)
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    failureThreshold: 3,
  })
  const shutdown = serve.shutdown ?? {}
  const stoppingMs =
    (shutdown.delayMs ?? DEFAULTS.server.shutdownDelayMs) + (shutdown.drainMs ?? DEFAULTS.server.drainMs)
  const deployment: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      // A new pod is ready before an old one stops, and an old one stops as SIGTERM handling says.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels,
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(port),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          containers: [
            {
              name: role,
              image,
              args,
              ports: [{ name: 'http', containerPort: port }],
              env: [
                { name: 'PORT', value: String(port) },
                // The cores the runners use: the CPU this container asks for (rounded up).
                { name: 'TIFFIN_CPUS', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1' } } },
              ],
              resources: {
                requests: {
                  ...DEFAULTS.kubernetes.requests[role],
                  cpu: cpuRequest(runner === 'api' ? undefined : runner),
                  ...config.resources?.requests,
                },
                ...(config.resources?.limits && { limits: config.resources.limits }),
              },
              volumeMounts: [{ name: 'config', mountPath: DEFAULTS.kubernetes.configDir, readOnly: true }],
              // Loading models can take a while: the startup probe gives it up to 10 minutes before liveness counts.
              startupProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 5, failureThreshold: 120 },
              readinessProbe: probe('/readyz', 5),
              livenessProbe: probe('/livez', 10),
            },
          ],
          volumes: [{ name: 'config', configMap: { name: configMapName(bento) } }],
          // On SIGTERM tiffin serve answers /readyz with 503 for shutdown.delayMs, then drains for up to
          // shutdown.drainMs, then stops its runners.
          terminationGracePeriodSeconds: Math.ceil(stoppingMs / 1000) + DEFAULTS.kubernetes.stopSeconds,
        },
      },
    },
  }
  const service: Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels },
    spec: { selector, ports: [{ name: 'http', port, targetPort: 'http' }] },
  }
  const cpuPercent = config.autoscaling?.targetCPUUtilization ?? DEFAULTS.kubernetes.targetCPUUtilization
  const queue = runner === 'api' ? undefined : config.autoscaling?.queue
  const targetItems = queue && runner !== 'api' ? (queue.targetItems ?? largestBatch(runner)) : 0
  const autoscaler: Manifest =
    queue?.via === 'keda'
      ? scaledObject(
          name,
          labels,
          minReplicas,
          maxReplicas,
          cpuPercent,
          queue,
          (runner as BentoRunner).name,
          targetItems,
        )
      : {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name, labels },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
            minReplicas,
            maxReplicas,
            metrics: [
              // Through the custom metrics API: the queued items of this runner's methods, summed per pod.
              ...(queue
                ? [
                    {
                      type: 'Pods',
                      pods: {
                        metric: {
                          name: QUEUE_METRIC,
                          selector: { matchLabels: { runner: (runner as BentoRunner).name } },
                        },
                        target: { type: 'AverageValue', averageValue: String(targetItems) },
                      },
                    },
                  ]
                : []),
              {
                type: 'Resource',
                resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuPercent } },
              },
            ],
          },
        }
  const budget: Manifest = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, labels },
    spec: {
      selector: { matchLabels: selector },
      ...(config.disruptionBudget ?? { maxUnavailable: DEFAULTS.kubernetes.maxUnavailable }),
    },
  }
  return [deployment, service, autoscaler, budget]
}

/** The gauge of items waiting in a runner's queues, one series per method (see `/metrics`). */
const QUEUE_METRIC = 'tiffin_runner_queued_items'

/** A full batch waiting per pod: the largest `maxBatchSize` of the runner's methods. */
const largestBatch = (runner: BentoRunner): number =>
  Math.max(1, ...Object.values(runner.methods).map((m) => m.maxBatchSize))

/** A KEDA ScaledObject: the runner's queue through Prometheus, and CPU, scaling its Deployment. */
function scaledObject(
  name: string,
  labels: Record<string, string>,
  minReplicaCount: number,
  maxReplicaCount: number,
  cpuPercent: number,
  queue: QueueScaling,
  runner: string,
  targetItems: number,
): Manifest {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicaCount,
      maxReplicaCount,
      triggers: [
        {
          type: 'prometheus',
          metadata: {
            serverAddress: queue.prometheus!,
            query: queue.query ?? `sum(${QUEUE_METRIC}{runner="${runner}"})`,
            threshold: String(targetItems),
          },
        },
        { type: 'cpu', metricType: 'Utilization', metadata: { value: String(cpuPercent) } },
      ],
    },
  }
}
