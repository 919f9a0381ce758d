// /metrics read with a Prometheus text parser, for tests: families by name, and samples by labels.
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

export interface Families {
  /** The type a family was declared with (`COUNTER`, `GAUGE`, `HISTOGRAM`), or undefined if absent. */
  type(name: string): string | undefined
  /** The value of the one sample of `name` whose labels include `labels`; undefined if there is none. */
  value(name: string, labels?: Readonly<Record<string, string>>): number | undefined
  /** Every sample of `name`, with its labels. */
  samples(name: string): { labels: Readonly<Record<string, string>>; value: number }[]
}

export function parseMetrics(text: string): Families {
  const types = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f.type]))
  // The parser folds a labelled histogram into one unlabelled sample: read without their TYPE lines,
  // a histogram's _bucket, _sum and _count lines come back as plain samples, each with its labels.
  const families = parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram\n/gm, ''))
  const samples = (name: string) =>
    families
      .filter((f) => f.name === name)
      .flatMap((f) => f.metrics)
      .map((m) => ({
        labels: m.labels ?? {},
        value: Number(m.value),
      }))
  return {
    type: (name) => types.get(name),
    samples,
    value(name, labels = {}) {
      const found = samples(name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
      return found[0]?.value
    },
  }
}
