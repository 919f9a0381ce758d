import type { OpenApiDocument } from './openapi.js'

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * A self-contained API docs page: no script or style from elsewhere, so it works offline and from a
 * Service Worker. It lists each operation with its media types and schemas.
 */
export function docsPage(doc: OpenApiDocument): string {
  const operations = Object.entries(doc.paths).flatMap(([route, item]) =>
    Object.entries(
      item as Record<
        string,
        {
          operationId: string
          summary?: string
          requestBody?: { content: Record<string, { schema: unknown }> }
          responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>
        }
      >,
    ).map(([method, op]) => {
      const body = op.requestBody
        ? `<h4>Request</h4>${Object.entries(op.requestBody.content)
            .map(
              ([type, c]) =>
                `<details><summary><code>${escape(type)}</code></summary><pre>${escape(JSON.stringify(c.schema, null, 2))}</pre></details>`,
            )
            .join('')}`
        : ''
      const responses = Object.entries(op.responses)
        .map(
          ([status, r]) =>
            `<li><b>${escape(status)}</b> ${escape(r.description)}${
              r.content
                ? ` (${Object.keys(r.content)
                    .map((t) => `<code>${escape(t)}</code>`)
                    .join(', ')})`
                : ''
            }</li>`,
        )
        .join('')
      return `<section><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(route)}</code></h3><p>${escape(op.summary ?? op.operationId)}</p>${body}<h4>Responses</h4><ul>${responses}</ul></section>`
    }),
  )
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)} — API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1d232b}
h1{margin-bottom:0}section{border:1px solid #d9dee5;border-radius:8px;padding:0 1rem .5rem;margin:1rem 0}
.m{font:600 12px monospace;padding:2px 6px;border-radius:4px;color:#fff}.post{background:#2f7d4f}.get{background:#2b5d9e}
pre{background:#f5f7fa;padding:.75rem;overflow:auto;border-radius:6px}code{font-size:13px}summary{cursor:pointer}
</style></head><body>
<h1>${escape(doc.info.title)}</h1><p>${escape(doc.info.description ?? '')} The machine-readable document is at <a href="docs.json"><code>docs.json</code></a> (OpenAPI ${escape(doc.openapi)}).</p>
${operations.join('\n')}
</body></html>`
}
