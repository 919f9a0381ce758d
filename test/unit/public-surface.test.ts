// What each entry point exports, checked against the list a user's code may rely on: moving code around
// inside the package must not add, drop or rename an export by accident. (Types: public-types.ts.)
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const expected = JSON.parse(
  readFileSync(new URL('../fixtures/public-surface.json', import.meta.url), 'utf8'),
) as Record<string, string[]>
const entries: Record<string, () => Promise<Record<string, unknown>>> = {
  index: () => import('../../src/index.js'),
  node: () => import('../../src/node.js'),
  browser: () => import('../../src/browser.js'),
  'service-worker': () => import('../../src/service-worker.js'),
  client: () => import('../../src/client.js'),
  vite: () => import('../../src/vite.js'),
}

describe('the public surface', () => {
  for (const [entry, load] of Object.entries(entries)) {
    it(`${entry} exports exactly the listed values`, async () => {
      expect(Object.keys(await load()).sort()).toEqual(expected[entry])
    })
  }
})
