import { CloseCode, COMMIT_OUTCOMES, type CommitOutcome, VERSIONED_FIELDS } from '@easel/shared'
import { HotShapes } from './hotShapes.ts'

/**
 * What the server reports as it runs: every event the metrics and the admin dashboard count. The
 * calls on the hot path (one per update received, one per update broadcast) only add to numbers.
 * `NOOP_METER` does nothing (config `metrics: false`).
 */
export interface Meter {
  /** A Yjs update received from a client, of `bytes`. */
  updateIn(bytes: number): void
  /** One update frame of `bytes` delivered to `deliveries` sockets. */
  updatesOut(deliveries: number, bytes: number): void
  /** An awareness message received. */
  awareness(): void
  /** A commit answered; `conflict` says what it lost a race on. */
  commit(
    outcome: CommitOutcome,
    latencyMs: number,
    conflict: { room: string; shape: string; field: string } | null,
  ): void
  /** A lease granted, after `waitedMs` in the queue (0: it was free). */
  leaseGranted(room: string, shape: string, waitedMs: number): void
  leaseDenied(reason: LeaseDenial): void
  /** A lease ended, after being held `heldMs`. */
  leaseEnded(cause: string, heldMs: number | null): void
  /** The server closed (or refused) a socket with `code`. */
  closed(code: number): void
  /** One append of an update to storage took `ms`. */
  persisted(ms: number): void
}

/** Why a lease was not granted: `held` (queued behind the holder, or not waiting) or a refusal. */
export const LEASE_DENIALS = [
  'held',
  'view-only',
  'unavailable',
  'offline',
  'unknown_shape',
  'limit',
] as const
export type LeaseDenial = (typeof LEASE_DENIALS)[number]

export const LEASE_END_CAUSES = ['released', 'disconnected', 'expired', 'idle'] as const

/** Field labels: the schema's versioned fields, everything else `other` (a bounded label set). */
export const FIELD_LABELS = [...VERSIONED_FIELDS, 'other'] as const
const FIELD_SET: ReadonlySet<string> = new Set(VERSIONED_FIELDS)

/** Close code labels: the protocol's codes, anything else `other`. */
export const CLOSE_LABELS = [...new Set(Object.values(CloseCode).map(String)), 'other']
const CLOSE_SET: ReadonlySet<string> = new Set(CLOSE_LABELS)

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>

/** The counters behind both the Prometheus endpoint and the dashboard: running totals since start. */
export type Totals = {
  updatesIn: number
  updatesOut: number
  bytesIn: number
  bytesOut: number
  awareness: number
  commits: Record<CommitOutcome, number>
  conflictsByField: Record<string, number>
  leases: {
    granted: number
    /** Grants that had to wait in the queue. */
    waited: number
    denied: Record<LeaseDenial, number>
    ended: Record<string, number>
  }
  closes: Record<string, number>
}

/** Timings, handed to histograms (seconds); the Prometheus side sets them. */
export type Timings = {
  commit(seconds: number): void
  leaseWait(seconds: number): void
  leaseHold(seconds: number): void
  persist(seconds: number): void
}

const NO_TIMINGS: Timings = { commit() {}, leaseWait() {}, leaseHold() {}, persist() {} }

/** Most lease waits kept per dashboard interval for its percentiles (a sample beyond that). */
const MAX_WAITS_PER_INTERVAL = 4096

/** The counting meter: totals, hot shapes, lease waits of the current interval, and timings. */
export class Telemetry implements Meter {
  readonly totals: Totals = {
    updatesIn: 0,
    updatesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    awareness: 0,
    commits: zeros(COMMIT_OUTCOMES),
    conflictsByField: zeros(FIELD_LABELS),
    leases: { granted: 0, waited: 0, denied: zeros(LEASE_DENIALS), ended: zeros(LEASE_END_CAUSES) },
    closes: zeros(CLOSE_LABELS),
  }
  readonly hotShapes: HotShapes
  /** Wait times of the grants since the last `drainWaits`. */
  private waits: number[] = []
  private waitsSeen = 0
  timings: Timings = NO_TIMINGS

  constructor(options: { maxHotShapes?: number; now?: () => number } = {}) {
    this.hotShapes = new HotShapes(options.maxHotShapes ?? 4096, options.now ?? Date.now)
  }

  updateIn(bytes: number): void {
    this.totals.updatesIn++
    this.totals.bytesIn += bytes
  }

  updatesOut(deliveries: number, bytes: number): void {
    this.totals.updatesOut += deliveries
    this.totals.bytesOut += deliveries * bytes
  }

  awareness(): void {
    this.totals.awareness++
  }

  commit(
    outcome: CommitOutcome,
    latencyMs: number,
    conflict: { room: string; shape: string; field: string } | null,
  ): void {
    this.totals.commits[outcome]++
    this.timings.commit(latencyMs / 1000)
    if (conflict) {
      const field = FIELD_SET.has(conflict.field) ? conflict.field : 'other'
      this.totals.conflictsByField[field]!++
      this.hotShapes.conflict(conflict.room, conflict.shape, field)
    }
  }

  leaseGranted(room: string, shape: string, waitedMs: number): void {
    this.totals.leases.granted++
    if (waitedMs <= 0) return
    this.totals.leases.waited++
    this.timings.leaseWait(waitedMs / 1000)
    this.hotShapes.leaseWait(room, shape, waitedMs)
    // Reservoir sampling keeps the percentiles honest when an interval has very many waits.
    this.waitsSeen++
    if (this.waits.length < MAX_WAITS_PER_INTERVAL) this.waits.push(waitedMs)
    else {
      const i = Math.floor(Math.random() * this.waitsSeen)
      if (i < MAX_WAITS_PER_INTERVAL) this.waits[i] = waitedMs
    }
  }

  leaseDenied(reason: LeaseDenial): void {
    this.totals.leases.denied[reason]++
  }

  leaseEnded(cause: string, heldMs: number | null): void {
    const ended = this.totals.leases.ended
    ended[cause] = (ended[cause] ?? 0) + 1
    if (heldMs !== null) this.timings.leaseHold(heldMs / 1000)
  }

  closed(code: number): void {
    const label = String(code)
    this.totals.closes[CLOSE_SET.has(label) ? label : 'other']!++
  }

  persisted(ms: number): void {
    this.timings.persist(ms / 1000)
  }

  /** How many grants waited since the last call, and (a sample of) their wait times; forgets them. */
  drainWaits(): { count: number; waits: number[] } {
    const drained = { count: this.waitsSeen, waits: this.waits }
    this.waits = []
    this.waitsSeen = 0
    return drained
  }
}

export const NOOP_METER: Meter = {
  updateIn() {},
  updatesOut() {},
  awareness() {},
  commit() {},
  leaseGranted() {},
  leaseDenied() {},
  leaseEnded() {},
  closed() {},
  persisted() {},
}
