// npm run bench:page-thread [-- --rounds N]
// The demo services embedded in a page two ways, both up at once and measured in turns: their handlers on
// the page's own thread (`service.fetch`, runners in workers) and in a worker of the page (`serveInWorker`).
// For the OCR demo's 8 images at once and the linear demo's 200 requests at once: the rate, and the long
// tasks (over 50 ms) the page's thread had meanwhile, the jank a user sees.
import { parseArgs } from 'node:util'
import { runInChromium } from './lib/chromium.js'
import { fmt, quantile, table } from './lib/stats.js'
import type { Arrangement, Round, Workload } from './pages/page-thread-page.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } })
const rounds = Number(values.rounds)
const LOADS: Record<Workload, number> = { ocr: 8, linear: 200 }
const ARRANGEMENTS: readonly Arrangement[] = ['page thread', 'page worker']

const results = await runInChromium('/bench/pages/page-thread.html', async (page) => {
  await page.evaluate(() => window.benchSetup())
  const all: Round[] = []
  for (let r = 0; r < rounds; r++) {
    for (const workload of Object.keys(LOADS) as Workload[]) {
      // Alternate which goes first, so neither always meets a warmer machine.
      const order = r % 2 === 0 ? ARRANGEMENTS : [...ARRANGEMENTS].reverse()
      for (const arrangement of order) {
        const round = await page.evaluate(([w, a, n]) => window.benchRound(w, a, n), [
          workload,
          arrangement,
          LOADS[workload],
        ] as const)
        process.stderr.write(
          `${workload} ${arrangement}: ${fmt(round.wallMs, 0)} ms, ${round.longTasks.length} long tasks, ${round.failed} failed\n`,
        )
        all.push(round)
      }
    }
  }
  return all
})

interface Summary {
  workload: Workload
  arrangement: Arrangement
  perSecond: number
  longTasks: number
  longestMs: number
  blockedMs: number
  failed: number
}
const summaries: Summary[] = []
for (const workload of Object.keys(LOADS) as Workload[])
  for (const arrangement of ARRANGEMENTS) {
    const mine = results.filter((r) => r.workload === workload && r.arrangement === arrangement)
    const tasks = mine.flatMap((r) => r.longTasks)
    summaries.push({
      workload,
      arrangement,
      perSecond: quantile(
        mine.map((r) => ((r.calls - r.failed) * 1000) / r.wallMs),
        0.5,
      ),
      longTasks: tasks.length / mine.length,
      longestMs: Math.max(0, ...tasks),
      blockedMs: tasks.reduce((a, b) => a + b, 0) / mine.length,
      failed: mine.reduce((a, r) => a + r.failed, 0),
    })
  }
const baseline = (s: Summary): Summary =>
  summaries.find((b) => b.workload === s.workload && b.arrangement === 'page thread')!
console.log(
  table(
    [
      'workload',
      'handlers on',
      'calls/s (median)',
      'vs page thread',
      'long tasks/round',
      'longest ms',
      'blocked ms/round',
      'failed',
    ],
    summaries.map((s) => [
      `${s.workload} (${LOADS[s.workload]} at once)`,
      s.arrangement,
      fmt(s.perSecond, 1),
      `${fmt(s.perSecond / baseline(s).perSecond, 2)}×`,
      fmt(s.longTasks, 1),
      fmt(s.longestMs, 0),
      fmt(s.blockedMs, 0),
      String(s.failed),
    ]),
  ),
)
console.log(`${rounds} rounds, interleaved; a long task is one over 50 ms on the page's thread.`)
console.log(JSON.stringify({ bench: 'page-thread', rounds, summaries }))
