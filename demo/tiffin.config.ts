// `tiffin build demo`: the demo service, its model and its page in one folder (see the README's "Build and deploy").
import { defineConfig } from '../src/node.js'

export default defineConfig({
  service: './service.ts',
  description: 'y = xW + b for rows of four numbers, batched across callers: the tiffin demo.',
  labels: { app: 'demo' },
  runners: { 'demo-linear': { autoscaling: { minReplicas: 1, maxReplicas: 8, targetCPUUtilization: 70 } } },
})
