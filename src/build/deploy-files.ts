// The files beside a bento's code that say how to run it: package.json, Dockerfile and README.md.
import { stringify } from 'yaml'
import { PACKAGE_NAME } from '../package-info.js'
import type { ServeConfig } from '../service/serve-config.js'
import type { BentoInfo } from './bento.js'
import { k8sName } from './kubernetes.js'
import { RUNTIME_DIR } from './runtime-package.js'

/**
 * The bento as an npm project: `npm ci` in it installs the runtime packed beside it (`runtime`, a path in
 * the bento) and onnxruntime-node, at the versions its lockfile pins.
 */
export function packageJson(bento: BentoInfo, runtime: string, onnxNodeVersion: string | undefined): string {
  const dependencies: Record<string, string> = { [PACKAGE_NAME]: `file:${runtime}` }
  if (onnxNodeVersion) dependencies['onnxruntime-node'] = onnxNodeVersion
  const manifest = {
    name: k8sName(bento.name),
    version: '0.0.0',
    private: true,
    type: 'module',
    description: bento.description,
    scripts: { start: 'tiffin serve .' },
    dependencies,
    // npm's own switch for install scripts: onnxruntime-node's would download GPU files a CPU image does not
    // use; protobufjs's only checks its command-line tools; esbuild's checks its binary.
    allowScripts: { esbuild: true, 'onnxruntime-node': false, protobufjs: false },
  }
  return JSON.stringify(manifest, null, 2) + '\n'
}

/** The image: a supported Node, the packed runtime installed from the lockfile, run as the unprivileged `node` user. */
export function dockerfile(bento: BentoInfo): string {
  return `# ${bento.name}:${bento.version}, built by tiffin ${bento.tiffin}
FROM ${bento.node.image}
WORKDIR /bento
COPY package.json package-lock.json ./
COPY ${RUNTIME_DIR}/ ${RUNTIME_DIR}/
# onnxruntime-node's CPU build ships inside its package; its install script would download GPU files.
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund
COPY . .
USER node
ENV NODE_ENV=production PORT=${bento.node.port}
EXPOSE ${bento.node.port}
# On SIGTERM tiffin serve answers /readyz with 503 for shutdown.delayMs (serve.yaml), then drains.
ENTRYPOINT ["node_modules/.bin/tiffin"]
CMD ["serve", ".", "--host", "0.0.0.0"]
`
}

/** The bento's serve config (serve.yaml): its build config's serve settings, with every runner listed. */
export function serveConfigYaml(bento: BentoInfo, config: ServeConfig): string {
  const runners = Object.fromEntries(bento.runners.map((r) => [r.name, config.runners?.[r.name] ?? {}]))
  return `# tiffin serve's config for ${bento.name}:${bento.version}, from its build config: each runner's settings
# (where its code leaves them unset), and the server's http, logging and shutdown. \`tiffin serve\` reads it
# at start; on Kubernetes the ConfigMap in deploy/kubernetes/config.yaml holds it.
${stringify({ ...config, runners }, { aliasDuplicateObjects: false })}`
}

/** What \`docker build\` leaves out: a node_modules installed here would replace the image's own. */
export const DOCKERIGNORE = 'node_modules\n'

export function readme(bento: BentoInfo): string {
  const image = `${k8sName(bento.name)}:${bento.version}`
  const apis = bento.apis
    .map((a) => `| \`POST ${a.route}\` | ${a.input.kind} | ${a.output.kind} | ${a.doc ?? ''} |`)
    .join('\n')
  const runners = bento.runners
    .map((r) => `| ${r.name} | ${r.runnable} | ${r.models.join(', ') || '–'} | ${r.resources.join(', ')} |`)
    .join('\n')
  return `# ${bento.name}:${bento.version}

${bento.description}

Built by tiffin ${bento.tiffin} on ${bento.createdAt} from service \`${bento.service}\`.

## APIs

| route | input | output | what it does |
|---|---|---|---|
${apis}

The OpenAPI document is \`openapi.json\`; a running server also answers \`/docs\` and \`/docs.json\`.

## Runners

| runner | runnable | models | resources |
|---|---|---|---|
${runners}

## Serve it

- **Node**: \`tiffin serve <this folder>\` (or \`npm ci && npm start\` here: \`${RUNTIME_DIR}/\` holds the tiffin that built it). \`--port\`, \`--host\`; \`--runner NAME\`
  serves one runner for API servers elsewhere (\`--runner-map NAME=URL\`).
- **Browser**: serve this folder as static files${bento.browser ? ` and open \`index.html\`: its Service Worker answers \`${bento.browser.prefix}/*\` in the page, offline too` : ' (this bento was built without the browser side)'}.
- **Container**: \`docker build -t ${image} .\` then \`docker run -p ${bento.node.port}:${bento.node.port} ${image}\`. The image
  installs the packed runtime and the packages \`package-lock.json\` pins (no registry copy of ${PACKAGE_NAME} is needed)
  and runs as the \`node\` user.
- **Settings**: \`serve.yaml\` is the serve config \`tiffin serve\` reads here (\`--config FILE\` reads another):
  each runner's batching, workers, resource and timeouts, and the server's http, logging and shutdown.
- **Kubernetes**: \`kubectl apply -f deploy/kubernetes/\` (a ConfigMap holding \`serve.yaml\`, then for the API server
  and each runner a Deployment, a Service, an autoscaler and a PodDisruptionBudget; push the image where the
  cluster can pull it first). Edit the ConfigMap, then \`kubectl rollout restart deployment\`, to change settings.
`
}
