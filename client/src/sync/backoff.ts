export type BackoffOptions = { baseMs: number; capMs: number; random: () => number }

/** Exponential backoff with full jitter: a uniformly random wait in [0, min(cap, base * 2^attempt)). */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  return Math.floor(o.random() * Math.min(o.capMs, o.baseMs * 2 ** attempt))
}
