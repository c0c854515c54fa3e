/** A token bucket: `take()` is false once the burst is spent faster than `perSec` refills it. */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst
    this.last = now()
  }

  take(cost = 1): boolean {
    if (!this.canTake(cost)) return false
    this.tokens -= cost
    return true
  }

  /**
   * Takes `cost` even if that leaves the bucket in debt: for work whose size is known only after
   * it was admitted (a reply). Refills first, like the others.
   */
  spend(cost: number): void {
    this.canTake(0)
    this.tokens -= cost
  }

  /** Whether `take(cost)` would succeed now (refills, but takes nothing). */
  canTake(cost = 1): boolean {
    const t = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSec)
    this.last = t
    return this.tokens >= cost
  }
}
