// The tiffin MLP server of the HTTP benchmark (http-tiffin-server.ts, unchanged), plus one more IPC
// message for the soak test: { type: 'memory' } is answered with the process's memory figures.
// Usage (as a child of bench/soak.ts): soak-server.ts STORE_ROOT MAX_BATCH_SIZE MAX_LATENCY_MS
import './http-tiffin-server.js'

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'memory') return
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage()
  process.send!({ type: 'memory', memory: { rss, heapUsed, heapTotal, external, arrayBuffers } })
})
