// Types for Comlink's Node adapter, which Comlink ships without a matching .d.mts.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink'
  import type { MessagePort, Worker } from 'node:worker_threads'
  export default function nodeEndpoint(endpoint: MessagePort | Worker): Endpoint
}
