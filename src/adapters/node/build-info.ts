import type { MetricFamily } from '../../telemetry/metric-family.js'

/** `tiffin_build_info`: what is serving, as labels of a gauge of 1 (Prometheus's build-info convention). */
export function buildInfo(
  tiffinVersion: string,
  service: string,
  bento?: { readonly name: string; readonly version: string },
): MetricFamily {
  return {
    name: 'tiffin_build_info',
    type: 'gauge',
    help: 'What is serving (1): the tiffin version, the service, and the bento and its version when serving one.',
    samples: [
      {
        labels: { version: tiffinVersion, service, bento: bento?.name ?? '', bento_version: bento?.version ?? '' },
        value: 1,
      },
    ],
  }
}
