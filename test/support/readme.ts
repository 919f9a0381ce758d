// The README's examples as files: every fenced block in a section whose first line names a file
// (`// src/main.ts`, `<!-- index.html -->`), so tests run what the README shows, as it shows it.
import { readFileSync } from 'node:fs'

const README = new URL('../../README.md', import.meta.url)

export function readmeFiles(section: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const [, body] of readmeSection(section).matchAll(/\n```\w*\n([\s\S]*?)\n```/g)) {
    const name = /^(?:\/\/|<!--)\s*([\w./-]+\.\w+)\s*(?:-->)?$/.exec(body!.split('\n')[0]!)?.[1]
    if (name) files[name] = body!.split('\n').slice(1).join('\n') + '\n'
  }
  return files
}

/** Every fenced block of a section written in `language` (```text, ```promql…), in order. */
export function readmeBlocks(section: string, language: string): string[] {
  return [...readmeSection(section).matchAll(/\n```(\w*)\n([\s\S]*?)\n```/g)]
    .filter(([, lang]) => lang === language)
    .map(([, , body]) => body!)
}

/** The rows of a section's table whose first header is `firstHeader`, as cells (the header left out). */
export function readmeTable(section: string, firstHeader: string): string[][] {
  const lines = readmeSection(section).split('\n')
  const header = lines.findIndex((l) => l.startsWith(`| ${firstHeader} |`))
  if (header === -1) throw new Error(`README.md's "${section}" has no table headed "${firstHeader}"`)
  const rows: string[][] = []
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim()),
    )
  }
  return rows
}

/** The `code` spans of a table cell: "`a`, `b`" → ["a", "b"]. */
export const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map(([, code]) => code!)

/** A `## ` section of the README, its subsections included. */
function readmeSection(section: string): string {
  const text = readFileSync(README, 'utf8')
  const start = text.indexOf(`\n## ${section}\n`)
  if (start === -1) throw new Error(`README.md has no section "${section}"`)
  const end = text.indexOf('\n## ', start + 1)
  return text.slice(start, end === -1 ? undefined : end)
}
