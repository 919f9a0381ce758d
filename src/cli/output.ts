const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const

/** A size in decimal units, as disks and downloads count them: `512 B`, `9.5 MB`, `120 GB`. */
export function humanSize(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  if (unit === 0) return `${bytes} B`
  // Three significant digits at most: 9.5 MB and 95.3 MB, but 953 MB.
  const shown = value < 100 ? value.toFixed(1) : value.toFixed(0)
  return `${shown} ${UNITS[unit]}`
}

/** `2025-01-31T12:34:56.789Z` → `2025-01-31 12:34:56 UTC`. */
export function humanTime(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`
}

/** Rows under a header, each column as wide as its widest cell, two spaces apart; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd()
  return [format(header), ...rows.map(format)]
}

/** `key=value` pairs joined by commas, in key order. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(', ')
}
