import type { Service } from './service.js'

export interface OpenApiDocument {
  readonly openapi: '3.1.0'
  readonly info: { readonly title: string; readonly version: string; readonly description?: string }
  readonly paths: Record<string, unknown>
  readonly components: { readonly schemas: Record<string, unknown> }
}

const errorRef = { $ref: '#/components/schemas/Error' }
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } })

const HEALTH = {
  '/healthz': 'The process is up.',
  '/livez': 'The process is alive (for liveness probes).',
  '/readyz': 'Every runner is up (for readiness probes); 503 until then.',
}

/** The service as an OpenAPI 3.1 document: one POST operation per API, plus health and metrics. */
export function openApiDocument(service: Service): OpenApiDocument {
  const paths: Record<string, unknown> = {}
  for (const api of service.apis) {
    paths[api.route] = {
      post: {
        operationId: api.name,
        summary: api.doc ?? api.name,
        tags: ['APIs'],
        requestBody: { required: true, content: api.input.requestContent() },
        responses: {
          '200': { description: `The ${api.output.kind} result.`, content: api.output.responseContent() },
          '400': errorResponse('The body is malformed.'),
          '413': errorResponse('The body is larger than the limit.'),
          '415': errorResponse('The content type is not one this API takes.'),
          '422': errorResponse('The body parsed but does not hold what the API expects.'),
          '503': {
            ...errorResponse("A runner is overloaded or starting; retry after the Retry-After header's seconds."),
            headers: { 'Retry-After': { schema: { type: 'integer' } } },
          },
          '504': errorResponse('The call took longer than the timeout.'),
        },
      },
    }
  }
  for (const [route, description] of Object.entries(HEALTH)) {
    // Only readiness can fail; /healthz and /livez answer whenever the process does.
    const responses =
      route === '/readyz'
        ? { '200': { description: 'OK' }, '503': errorResponse('Not ready.') }
        : { '200': { description: 'OK' } }
    paths[route] = { get: { operationId: route.slice(1), tags: ['Health'], summary: description, responses } }
  }
  paths['/metrics'] = {
    get: {
      operationId: 'metrics',
      tags: ['Health'],
      summary: 'Prometheus metrics.',
      responses: {
        '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
    },
  }
  paths['/runners.json'] = {
    get: {
      operationId: 'runners',
      tags: ['Health'],
      summary: 'Each runner: its state, placement, and the settings it runs with, each with where it came from.',
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  }
  return {
    openapi: '3.1.0',
    info: { title: service.name, version: '1', description: `The ${service.name} service, served by tiffin.` },
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message', 'requestId'],
          properties: { error: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' } },
        },
      },
    },
  }
}
