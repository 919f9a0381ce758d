// The process figures Prometheus users look for, under the names prom-client's default metrics use.
import { readdirSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { MetricFamily } from '../../telemetry/metric-family.js'

const gauge = (name: string, help: string, value: number, labels?: Record<string, string>): MetricFamily => ({
  name,
  type: 'gauge',
  help,
  samples: [{ labels, value }],
})

/** Open file descriptors, where the system says (Linux); else none. */
function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return undefined
  }
}

/**
 * This process's CPU, memory, event-loop lag and open handles, read at each scrape. The event loop's
 * delay is sampled all along (every 10 ms, as prom-client does) and reset at each scrape; `stop` ends that.
 */
export function processMetrics(): { collect(): MetricFamily[]; stop(): void } {
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  const startedS = Math.round(Date.now() / 1000 - process.uptime())
  return {
    stop: () => lag.disable(),
    collect() {
      const cpu = process.cpuUsage()
      const memory = process.memoryUsage()
      const resources = new Map<string, number>()
      for (const type of process.getActiveResourcesInfo()) resources.set(type, (resources.get(type) ?? 0) + 1)
      const ns = (v: number) => (Number.isFinite(v) ? v / 1e9 : 0)
      const [major, minor, patch] = process.versions.node.split('.')
      const fds = openFds()
      const families: MetricFamily[] = [
        {
          name: 'process_cpu_user_seconds_total',
          type: 'counter',
          help: 'User CPU time spent, in seconds.',
          samples: [{ value: cpu.user / 1e6 }],
        },
        {
          name: 'process_cpu_system_seconds_total',
          type: 'counter',
          help: 'System CPU time spent, in seconds.',
          samples: [{ value: cpu.system / 1e6 }],
        },
        {
          name: 'process_cpu_seconds_total',
          type: 'counter',
          help: 'User and system CPU time spent, in seconds.',
          samples: [{ value: (cpu.user + cpu.system) / 1e6 }],
        },
        gauge('process_start_time_seconds', 'When the process started, in seconds since the Unix epoch.', startedS),
        gauge('process_resident_memory_bytes', 'Resident memory size, in bytes.', memory.rss),
        gauge('nodejs_heap_size_total_bytes', "V8's heap size, in bytes.", memory.heapTotal),
        gauge('nodejs_heap_size_used_bytes', "V8's heap in use, in bytes.", memory.heapUsed),
        gauge(
          'nodejs_external_memory_bytes',
          'Memory held outside the heap by objects V8 manages (buffers), in bytes.',
          memory.external,
        ),
        gauge(
          'nodejs_eventloop_lag_mean_seconds',
          'Mean event-loop delay since the last scrape, in seconds.',
          ns(lag.mean),
        ),
        gauge(
          'nodejs_eventloop_lag_p50_seconds',
          'Median event-loop delay since the last scrape, in seconds.',
          ns(lag.percentile(50)),
        ),
        gauge(
          'nodejs_eventloop_lag_p99_seconds',
          '99th percentile of the event-loop delay since the last scrape, in seconds.',
          ns(lag.percentile(99)),
        ),
        gauge(
          'nodejs_eventloop_lag_max_seconds',
          'Longest event-loop delay since the last scrape, in seconds.',
          ns(lag.max),
        ),
        {
          name: 'nodejs_active_resources',
          type: 'gauge',
          help: 'Resources keeping the event loop alive (handles and requests: sockets, timers, file reads), by type.',
          samples: [...resources].map(([type, value]) => ({ labels: { type }, value })),
        },
        gauge(
          'nodejs_active_resources_total',
          'Resources keeping the event loop alive, in all.',
          [...resources.values()].reduce((a, b) => a + b, 0),
        ),
        gauge('nodejs_version_info', 'The Node.js version (1).', 1, {
          version: process.version,
          major: major!,
          minor: minor!,
          patch: patch!,
        }),
      ]
      if (fds !== undefined) families.push(gauge('process_open_fds', 'Open file descriptors.', fds))
      lag.reset()
      return families
    },
  }
}
