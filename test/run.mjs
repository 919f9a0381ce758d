#!/usr/bin/env node
// `npm test`: the type check, the formatting and unused-export checks, the unit tests in Node (Vitest)
// and the browser tests in real Chromium (Playwright), then one total line, `N passed, N failed[, N skipped]`,
// alone at the end. `--only typecheck|lint|unit|browser` runs one part; anything after `--` goes to that part's runner.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { findChromium } from './browser/find-chromium.mjs'

const root = new URL('..', import.meta.url).pathname
const results = join(root, 'test-results')
const argv = process.argv.slice(2)
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined
const extra = argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : []
const totals = { passed: 0, failed: 0, skipped: 0 }

const bin = (name) => join(root, 'node_modules', '.bin', name)
const run = (command, args, env = {}) =>
  spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
}

function typecheck() {
  console.log('\n== Type check (tsc --noEmit)')
  const ok = run(bin('tsc'), ['--noEmit', '-p', '.']) === 0
  totals[ok ? 'passed' : 'failed'] += 1
}

function lint() {
  console.log('\n== Formatting (prettier --check; npm run format fixes it)')
  totals[run(bin('prettier'), ['--check', '--log-level', 'warn', '.']) === 0 ? 'passed' : 'failed'] += 1
  console.log('\n== Unused files, exports and dependencies (knip)')
  totals[run(bin('knip'), []) === 0 ? 'passed' : 'failed'] += 1
}

function unit() {
  console.log('\n== Unit tests in Node (vitest)')
  const out = join(results, 'unit.json')
  const status = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...extra,
  ])
  const report = readJson(out)
  if (!report) return void ((totals.failed += 1), console.error(`vitest exited ${status} without a report`))
  totals.passed += report.numPassedTests
  totals.failed += report.numFailedTests + (status !== 0 && report.numFailedTests === 0 ? 1 : 0)
  totals.skipped += report.numPendingTests + report.numTodoTests
}

/** Debian's chromium, installed when we are root and have apt-get: what .ci/run on a fresh machine needs. */
function installChromium() {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return
  console.log("No Chromium found; installing Debian's chromium package (running as root)…")
  run('apt-get', ['update', '-qq'])
  run('apt-get', ['install', '-y', '-qq', 'chromium'], { DEBIAN_FRONTEND: 'noninteractive' })
}

function browser() {
  console.log('\n== Browser tests in Chromium (playwright)')
  if (!findChromium()) installChromium()
  const chromium = findChromium()
  if (!chromium) {
    console.error(
      'No Chromium to run the browser tests in. Install one, then run npm test again:\n' +
        '  Debian/Ubuntu:  sudo apt-get install chromium\n' +
        '  elsewhere:      npx playwright install chromium\n' +
        '  or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    )
    totals.failed += 1
    return
  }
  console.log(`Chromium: ${chromium}`)
  const out = join(results, 'browser.json')
  const status = run(bin('playwright'), ['test', '-c', 'test/browser/playwright.config.ts', ...extra], {
    CHROMIUM_PATH: chromium,
    PLAYWRIGHT_JSON_OUTPUT_NAME: out,
  })
  const stats = readJson(out)?.stats
  if (!stats) return void ((totals.failed += 1), console.error(`playwright exited ${status} without a report`))
  totals.passed += stats.expected + stats.flaky
  totals.failed += stats.unexpected + (status !== 0 && stats.unexpected === 0 ? 1 : 0)
  totals.skipped += stats.skipped
}

rmSync(results, { recursive: true, force: true })
mkdirSync(results, { recursive: true })
const parts = { typecheck, lint, unit, browser }
if (only && !parts[only]) {
  console.error(`Unknown part "${only}"; expected one of ${Object.keys(parts).join(', ')}`)
  process.exit(2)
}
for (const [name, part] of Object.entries(parts)) if (!only || only === name) part()

console.log('')
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`)
process.exit(totals.failed === 0 ? 0 : 1)
