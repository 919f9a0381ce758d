// A small SVG line chart for the OCR dashboard: a few series over the last N readings, gaps where a
// series has no value (NaN). Plain SVG: a dozen points a second needs no chart library.

export interface Series {
  readonly name: string
  readonly color: string
  readonly values: readonly number[]
}

const SVG = 'http://www.w3.org/2000/svg'
const W = 260
const H = 96
const PAD = { left: 34, right: 6, top: 8, bottom: 14 }

const el = <K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] => {
  const node = document.createElementNS(SVG, name)
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value))
  return node
}

const tick = (v: number): string => (v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(0) : v.toFixed(1))

/** Redraws `svg` with the series, the newest reading on the right; `slots` readings fill the width. */
export function drawChart(svg: SVGSVGElement, series: readonly Series[], slots: number): void {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
  svg.replaceChildren()
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite))
  const top = Math.max(1e-9, ...finite) * 1.15 || 1
  const x = (i: number, n: number) => PAD.left + ((slots - n + i) / Math.max(1, slots - 1)) * (W - PAD.left - PAD.right)
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom)
  for (const v of [0, top / 2, top]) {
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }))
    svg.append(
      Object.assign(el('text', { x: PAD.left - 4, y: y(v) + 3, class: 'axis' }), {
        textContent: finite.length ? tick(v) : '',
      }),
    )
  }
  for (const s of series) {
    let d = ''
    let pen = false
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return void (pen = false)
      d += `${pen ? 'L' : 'M'}${x(i, s.values.length).toFixed(1)},${y(v).toFixed(1)}`
      pen = true
    })
    if (d) svg.append(el('path', { d, stroke: s.color, class: 'series' }))
    // Lone points (a value between two gaps) would not show as a line.
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) svg.append(el('circle', { cx: x(i, s.values.length), cy: y(v), r: 1.8, fill: s.color }))
    })
  }
}
