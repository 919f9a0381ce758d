// Starts workers/node.ts from TypeScript sources (tests, `tsx`): worker threads do not take tsx's
// loader from the command line, so it is registered here before the entry is imported.
import { register } from 'tsx/esm/api'

register()
await import('./node.ts')
