// Kubernetes manifests for a bento: the API server and each runner get a Deployment, a Service and a
// HorizontalPodAutoscaler of their own, so runners scale apart from the API (BentoML's one deployment per runner).
import { stringify } from 'yaml'
import { DEFAULTS } from '../defaults.js'
import type { BentoInfo } from './bento.js'
import type { DeploymentConfig } from './config.js'

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

/** One file per component: `api.yaml`, `runner-<name>.yaml`, each a Deployment, a Service and an HPA. */
export function kubernetesManifests(
  bento: BentoInfo,
  image = `${k8sName(bento.name)}:${bento.version}`,
): Map<string, Manifest[]> {
  const port = bento.node.port
  const files = new Map<string, Manifest[]>()
  const runnerMap = bento.runners.flatMap((r) => [
    '--runner-map',
    `${r.name}=http://${runnerServiceName(bento, r.name)}:${port}`,
  ])
  files.set(
    'api.yaml',
    component(bento, image, 'api', k8sName(bento.name, 'api'), bento.deploy.api, [
      'serve',
      '.',
      '--host',
      '0.0.0.0',
      '--port',
      String(port),
      ...runnerMap,
    ]),
  )
  for (const runner of bento.runners) {
    const args = ['serve', '.', '--runner', runner.name, '--host', '0.0.0.0', '--port', String(port)]
    files.set(
      `runner-${k8sName(runner.name)}.yaml`,
      component(
        bento,
        image,
        'runner',
        runnerServiceName(bento, runner.name),
        bento.deploy.runners[runner.name] ?? {},
        args,
      ),
    )
  }
  return files
}

export const manifestsYaml = (manifests: readonly Manifest[]): string =>
  manifests.map((m) => stringify(m, { aliasDuplicateObjects: false })).join('---\n')

function component(
  bento: BentoInfo,
  image: string,
  role: 'api' | 'runner',
  name: string,
  config: DeploymentConfig,
  args: string[],
): Manifest[] {
  const port = bento.node.port
  const selector = { 'app.kubernetes.io/name': k8sName(bento.name), 'app.kubernetes.io/component': name }
  const labels = { ...selector, 'app.kubernetes.io/version': bento.version, 'app.kubernetes.io/managed-by': 'tiffin' }
  const replicas = config.replicas ?? 1
  const minReplicas = config.autoscaling?.minReplicas ?? Math.max(1, replicas)
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    failureThreshold: 3,
  })
  const deployment: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: role,
              image,
              args,
              ports: [{ name: 'http', containerPort: port }],
              env: [{ name: 'PORT', value: String(port) }],
              resources: {
                requests: { ...DEFAULTS.kubernetes.requests[role], ...config.resources?.requests },
                ...(config.resources?.limits && { limits: config.resources.limits }),
              },
              // Loading models can take a while: the startup probe gives it up to 10 minutes before liveness counts.
              startupProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 5, failureThreshold: 120 },
              readinessProbe: probe('/readyz', 5),
              livenessProbe: probe('/livez', 10),
            },
          ],
          // Requests in flight are drained on SIGTERM (tiffin serve waits up to 30 s).
          terminationGracePeriodSeconds: 40,
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
  const autoscaler: Manifest = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas,
      maxReplicas: config.autoscaling?.maxReplicas ?? Math.max(minReplicas, 4),
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: {
              type: 'Utilization',
              averageUtilization: config.autoscaling?.targetCPUUtilization ?? DEFAULTS.kubernetes.targetCPUUtilization,
            },
          },
        },
      ],
    },
  }
  return [deployment, service, autoscaler]
}
