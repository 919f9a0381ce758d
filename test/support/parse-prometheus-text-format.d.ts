// The package ships no types; this is what it returns for counters, gauges and untyped samples.
declare module 'parse-prometheus-text-format' {
  interface ParsedFamily {
    readonly name: string
    readonly help: string
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
    readonly metrics: readonly { readonly value?: string; readonly labels?: Readonly<Record<string, string>> }[]
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[]
}
