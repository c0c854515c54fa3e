import { type Backoff, decideClose, reconnectDelay, type WayBack } from './closePolicy.ts'

/** Why the client is reconnecting, while it is (the last close it saw). */
export type RetryHint = {
  code: number
  reason: string
  backoff: Backoff
  /** One line for the indicator, e.g. that the server asked this browser to slow down. */
  message: string
  /** How long this client waits before its next attempt. */
  delayMs: number
}

/** The server closed the socket and reconnecting cannot help: what to tell the user. */
export type SyncProblem = {
  code: number
  reason: string
  title: string
  message: string
  action: WayBack
}

/**
 * The pace of reconnecting: every close goes through the close policy; a transient one gets its
 * next attempt on this timer (the backoff window grows with the closes since the last sync), a
 * permanent one becomes a problem and no attempt is due.
 */
export class ReconnectTimer {
  /** Closes seen since the last successful sync: drives the backoff window. */
  private attempts = 0
  private timer: ReturnType<typeof setTimeout> | null = null

  /** `attempt` runs when the next attempt is due. */
  constructor(private readonly attempt: () => void) {}

  /** What the policy makes of a close: stop with a problem, or retry after `retrying.delayMs`. */
  onClose(code: number, reason: string): { problem: SyncProblem } | { retrying: RetryHint } {
    const decision = decideClose(code, reason)
    if (decision.kind === 'stop') {
      this.cancel()
      const { title, message, action } = decision
      return { problem: { code, reason, title, message, action } }
    }
    const delayMs = reconnectDelay(decision.backoff, this.attempts++)
    return { retrying: { code, reason, backoff: decision.backoff, message: decision.message, delayMs } }
  }

  schedule(delayMs: number): void {
    this.cancel()
    this.timer = setTimeout(() => {
      this.timer = null
      this.attempt()
    }, delayMs)
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  /** Synced, or the network is back: the backoff window starts over. */
  reset(): void {
    this.attempts = 0
  }
}
