// The messages pages, their Web Workers and the Service Worker send each other beside Comlink's own.

/** A page lends a runner its workers: sent to the Service Worker with a MessagePort. */
export interface LendMessage {
  readonly tiffinLend: string
}

/** A worker, or a page's lent port, going away on purpose: a closed one sends no event of its own. */
export interface ClosingMessage {
  readonly tiffinWorkerClosing: string
}

export const lendMessage = (runner: string): LendMessage => ({ tiffinLend: runner })
export const closingMessage = (why: string): ClosingMessage => ({ tiffinWorkerClosing: why })

/** The runner a lend message names, if the data is one. */
export const lentRunner = (data: unknown): string | undefined => {
  const name = (data as Partial<LendMessage> | null)?.tiffinLend
  return typeof name === 'string' ? name : undefined
}

/** Why a worker or port closed, if the data says it is closing. */
export const closingReason = (data: unknown): string | undefined => {
  const why = (data as Partial<ClosingMessage> | null)?.tiffinWorkerClosing
  return typeof why === 'string' && why ? why : undefined
}

/** A page asks a waiting Service Worker to take over at once (it holds its own requests back meanwhile). */
export const skipWaitingMessage = { tiffinSkipWaiting: true } as const

export const asksToSkipWaiting = (data: unknown): boolean =>
  (data as { tiffinSkipWaiting?: unknown } | null)?.tiffinSkipWaiting === true

/** A Service Worker that has just started (an update, or a restart after idling) asks open pages to lend again. */
export const lendAgainMessage = { tiffinLendAgain: true } as const

export const asksToLendAgain = (data: unknown): boolean =>
  (data as { tiffinLendAgain?: unknown } | null)?.tiffinLendAgain === true
