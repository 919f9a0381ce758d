// The files beside a bento's code that say how to run it: package.json, Dockerfile and README.md.
import type { BentoInfo } from './bento.js'
import { k8sName } from './kubernetes.js'

/** The bento as an npm project: `npm install` in it gives the runtime that serves it. */
export function packageJson(bento: BentoInfo, onnxNodeVersion: string | undefined): string {
  const dependencies: Record<string, string> = { tiffin: bento.tiffin }
  if (onnxNodeVersion) dependencies['onnxruntime-node'] = onnxNodeVersion
  return JSON.stringify({ name: k8sName(bento.name), version: '0.0.0', private: true, type: 'module', description: bento.description, scripts: { start: 'tiffin serve .' }, dependencies }, null, 2) + '\n'
}

export function dockerfile(bento: BentoInfo): string {
  return `# ${bento.name}:${bento.version}, built by tiffin ${bento.tiffin}
FROM ${bento.node.image}
WORKDIR /bento
COPY package.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production PORT=${bento.node.port}
EXPOSE ${bento.node.port}
# tiffin serve drains requests in flight on SIGTERM.
ENTRYPOINT ["node_modules/.bin/tiffin"]
CMD ["serve", ".", "--host", "0.0.0.0"]
`
}

export function readme(bento: BentoInfo): string {
  const image = `${k8sName(bento.name)}:${bento.version}`
  const apis = bento.apis.map((a) => `| \`POST ${a.route}\` | ${a.input.kind} | ${a.output.kind} | ${a.doc ?? ''} |`).join('\n')
  const runners = bento.runners.map((r) => `| ${r.name} | ${r.runnable} | ${r.models.join(', ') || '–'} | ${r.resources.join(', ')} |`).join('\n')
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

- **Node**: \`tiffin serve <this folder>\` (or \`npm install && npm start\` here). \`--port\`, \`--host\`; \`--runner NAME\`
  serves one runner for API servers elsewhere (\`--runner-map NAME=URL\`).
- **Browser**: serve this folder as static files${bento.browser ? ` and open \`index.html\`: its Service Worker answers \`${bento.browser.prefix}/*\` in the page, offline too` : ' (this bento was built without the browser side)'}.
- **Container**: \`docker build -t ${image} .\` then \`docker run -p ${bento.node.port}:${bento.node.port} ${image}\`.
- **Kubernetes**: \`kubectl apply -f deploy/kubernetes/\` (an API server plus one Deployment, Service and
  HorizontalPodAutoscaler per runner; push the image where the cluster can pull it first).
`
}
