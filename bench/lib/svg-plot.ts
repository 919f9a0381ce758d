export interface Series {
  readonly label: string
  readonly color: string
  readonly dashed?: boolean
  readonly values: readonly number[]
}

const esc = (s: string) => s.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)

/** A line chart over categories (e.g. caller counts), as a standalone SVG. */
export function lineChart(
  title: string,
  categories: readonly string[],
  yLabel: string,
  series: readonly Series[],
  width = 560,
  height = 340,
): string {
  const pad = { left: 70, right: 150, top: 40, bottom: 50 }
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const max = Math.max(...series.flatMap((s) => s.values.filter(Number.isFinite)), 1)
  const top = niceCeil(max)
  const x = (i: number) => pad.left + (categories.length === 1 ? plotW / 2 : (i * plotW) / (categories.length - 1))
  const y = (v: number) => pad.top + plotH - (v / top) * plotH
  const parts: string[] = []
  parts.push(
    `<text x="${width / 2 - pad.right / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`,
  )
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4
    parts.push(`<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e6ea"/>`)
    parts.push(
      `<text x="${pad.left - 8}" y="${y(v) + 4}" text-anchor="end" font-size="11">${Math.round(v).toLocaleString('en-US')}</text>`,
    )
  }
  categories.forEach((c, i) =>
    parts.push(`<text x="${x(i)}" y="${pad.top + plotH + 18}" text-anchor="middle" font-size="11">${esc(c)}</text>`),
  )
  parts.push(
    `<text x="${pad.left + plotW / 2}" y="${height - 10}" text-anchor="middle" font-size="12">concurrent callers</text>`,
  )
  parts.push(
    `<text transform="translate(16 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`,
  )
  series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2.5" ${s.dashed ? 'stroke-dasharray="6 4"' : ''} points="${points}"/>`,
    )
    s.values.forEach((v, i) => parts.push(`<circle cx="${x(i)}" cy="${y(v)}" r="3.5" fill="${s.color}"/>`))
    const ly = pad.top + 10 + k * 20
    parts.push(
      `<line x1="${width - pad.right + 14}" x2="${width - pad.right + 38}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5" ${s.dashed ? 'stroke-dasharray="6 4"' : ''}/>`,
    )
    parts.push(`<text x="${width - pad.right + 44}" y="${ly + 4}" font-size="12">${esc(s.label)}</text>`)
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>\n`
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p
  return 10 * p
}
