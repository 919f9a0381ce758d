import type { Series } from './svg-plot.js'

const esc = (s: string) => s.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)

/** A grouped bar chart over categories (e.g. client counts), one bar per series, as a standalone SVG. */
export function barChart(
  title: string,
  categories: readonly string[],
  yLabel: string,
  series: readonly Series[],
  width = 420,
  height = 320,
): string {
  const pad = { left: 70, right: 20, top: 58, bottom: 50 }
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const top = niceCeil(Math.max(...series.flatMap((s) => s.values.filter(Number.isFinite)), 1) * 1.1)
  const y = (v: number) => pad.top + plotH - (Math.max(0, v) / top) * plotH
  const groupW = plotW / categories.length
  const barW = (groupW * 0.7) / series.length
  const parts: string[] = []
  parts.push(
    `<text x="${pad.left + plotW / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`,
  )
  series.forEach((s, k) => {
    const lx = pad.left + k * 110
    parts.push(
      `<rect x="${lx}" y="32" width="12" height="12" fill="${s.color}"/><text x="${lx + 18}" y="42" font-size="12">${esc(s.label)}</text>`,
    )
  })
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4
    parts.push(`<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e6ea"/>`)
    parts.push(`<text x="${pad.left - 8}" y="${y(v) + 4}" text-anchor="end" font-size="11">${label(v)}</text>`)
  }
  categories.forEach((c, i) => {
    const x0 = pad.left + i * groupW + groupW * 0.15
    parts.push(
      `<text x="${pad.left + (i + 0.5) * groupW}" y="${pad.top + plotH + 18}" text-anchor="middle" font-size="11">${esc(c)}</text>`,
    )
    series.forEach((s, k) => {
      const v = s.values[i]!
      if (!Number.isFinite(v)) return
      const x = x0 + k * barW
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(pad.top + plotH - y(v)).toFixed(1)}" fill="${s.color}"/>`,
      )
      parts.push(
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${label(v)}</text>`,
      )
    })
  })
  parts.push(
    `<text x="${pad.left + plotW / 2}" y="${height - 10}" text-anchor="middle" font-size="12">concurrent clients</text>`,
  )
  parts.push(
    `<text transform="translate(16 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`,
  )
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>\n`
}

/** Charts from `barChart` (or `lineChart`) placed side by side in one SVG. */
export function sideBySide(charts: readonly string[]): string {
  const sizes = charts.map((svg) => ({
    w: Number(/width="(\d+)"/.exec(svg)?.[1]),
    h: Number(/height="(\d+)"/.exec(svg)?.[1]),
  }))
  const width = sizes.reduce((sum, s) => sum + s.w, 0)
  const height = Math.max(...sizes.map((s) => s.h))
  let x = 0
  const placed = charts.map((svg, i) => {
    const at = svg.replace('<svg ', `<svg x="${x}" y="0" `).trim()
    x += sizes[i]!.w
    return at
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${placed.join('')}</svg>\n`
}

const label = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(2)).toString())

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p
  return 10 * p
}
