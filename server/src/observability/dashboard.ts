import { type Dashboard as DashboardData, DASHBOARD_SAMPLES, type DashboardSample } from '@easel/shared'
import type { Limits } from '../limits.ts'
import type { Telemetry, Totals } from './telemetry.ts'

/** The running figures a sample is the difference of. */
type Snapshot = Pick<Totals, 'updatesIn' | 'updatesOut' | 'bytesIn' | 'bytesOut' | 'awareness'> & {
  commits: Record<string, number>
  conflictsByField: Record<string, number>
  limits: Record<string, number>
}

/**
 * The admin dashboard's data: every `intervalMs` it takes what the counters gained since the last
 * sample into a ring of `DASHBOARD_SAMPLES`, and answers with the ring, the running totals and
 * the hottest shapes.
 */
export class Dashboard {
  private readonly samples: DashboardSample[] = []
  private last: Snapshot
  private readonly timer: NodeJS.Timeout
  readonly startedAt: number

  constructor(
    private readonly telemetry: Telemetry,
    private readonly limits: Limits,
    /** Rooms loaded and room sockets open, now. */
    private readonly gauges: () => { rooms: number; users: number },
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now()
    this.last = this.snapshot()
    this.timer = setInterval(() => this.sample(), intervalMs)
    this.timer.unref()
  }

  private snapshot(): Snapshot {
    const t = this.telemetry.totals
    return {
      updatesIn: t.updatesIn,
      updatesOut: t.updatesOut,
      bytesIn: t.bytesIn,
      bytesOut: t.bytesOut,
      awareness: t.awareness,
      commits: { ...t.commits },
      conflictsByField: { ...t.conflictsByField },
      limits: { ...this.limits.tripped },
    }
  }

  /** Closes the current interval into a sample (the timer calls it; so may a test). */
  sample(): DashboardSample {
    const now = this.snapshot()
    const prev = this.last
    this.last = now
    const { count, waits } = this.telemetry.drainWaits()
    waits.sort((a, b) => a - b)
    const s: DashboardSample = {
      at: this.now(),
      ...this.gauges(),
      updatesIn: now.updatesIn - prev.updatesIn,
      updatesOut: now.updatesOut - prev.updatesOut,
      bytesIn: now.bytesIn - prev.bytesIn,
      bytesOut: now.bytesOut - prev.bytesOut,
      awareness: now.awareness - prev.awareness,
      commits: diff(now.commits, prev.commits),
      conflictsByField: diff(now.conflictsByField, prev.conflictsByField),
      leaseWaits: count,
      leaseWaitP50Ms: percentile(waits, 0.5),
      leaseWaitP99Ms: percentile(waits, 0.99),
      limits: diff(now.limits, prev.limits),
    }
    this.samples.push(s)
    if (this.samples.length > DASHBOARD_SAMPLES) this.samples.shift()
    return s
  }

  data(): DashboardData {
    const t = this.telemetry.totals
    const denied = Object.values(t.leases.denied).reduce((a, b) => a + b, 0)
    return {
      now: this.now(),
      startedAt: this.startedAt,
      intervalMs: this.intervalMs,
      samples: [...this.samples],
      totals: {
        commits: { ...t.commits },
        conflictsByField: { ...t.conflictsByField },
        leases: { granted: t.leases.granted, denied, ended: { ...t.leases.ended } },
        limits: { ...this.limits.tripped },
        closes: { ...t.closes },
      },
      hotShapes: this.telemetry.hotShapes.top(),
    }
  }

  close(): void {
    clearInterval(this.timer)
  }
}

function diff(now: Record<string, number>, prev: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (prev[k] ?? 0)]))
}

/** Nearest-rank percentile of sorted values, or null if there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}
