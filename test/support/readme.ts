// The README's examples as files: every fenced block in a section whose first line names a file
// (`// src/main.ts`, `<!-- index.html -->`), so tests run what the README shows, as it shows it.
import { readFileSync } from 'node:fs'

const README = new URL('../../README.md', import.meta.url)

export function readmeFiles(section: string): Record<string, string> {
  const text = readFileSync(README, 'utf8')
  const start = text.indexOf(`\n## ${section}\n`)
  if (start === -1) throw new Error(`README.md has no section "${section}"`)
  const end = text.indexOf('\n## ', start + 1)
  const files: Record<string, string> = {}
  for (const [, body] of text.slice(start, end === -1 ? undefined : end).matchAll(/\n```\w*\n([\s\S]*?)\n```/g)) {
    const name = /^(?:\/\/|<!--)\s*([\w./-]+\.\w+)\s*(?:-->)?$/.exec(body!.split('\n')[0]!)?.[1]
    if (name) files[name] = body!.split('\n').slice(1).join('\n') + '\n'
  }
  return files
}
