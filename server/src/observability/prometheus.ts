import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { LIMIT_NAMES, type Limits } from '../limits.ts'
import type { Telemetry } from './telemetry.ts'

/** Seconds: from a fast in-memory commit to a slow disk or a long wait for a lease. */
const FAST = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const SLOW = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900]

/**
 * The Prometheus side of {@link Telemetry}: one registry per server (tests run many in one
 * process). Counters are read from the telemetry's running totals when scraped, so counting costs
 * the hot path a number increment; the timings go to histograms. Labels are bounded sets (outcome,
 * field, reason, cause, close code, limit name), never room or shape ids.
 */
export class PrometheusMetrics {
  readonly registry = new Registry()
  private defaults = false

  constructor(telemetry: Telemetry, limits: Limits, gauges: () => { rooms: number; connections: number }) {
    const t = telemetry.totals
    const r = [this.registry]
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: r,
        collect() {
          this.reset()
          this.inc(read())
        },
      })
    const labelled = (name: string, help: string, label: string, read: () => Record<string, number>) =>
      new Counter({
        name,
        help,
        labelNames: [label],
        registers: r,
        collect() {
          this.reset()
          for (const [value, n] of Object.entries(read())) this.labels(value).inc(n)
        },
      })
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: r,
        collect() {
          this.set(read())
        },
      })
    const histogram = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, buckets, registers: r })

    gauge('easel_connections', 'Room sockets open.', () => gauges().connections)
    gauge('easel_rooms_loaded', 'Rooms (boards) in memory.', () => gauges().rooms)
    counter('easel_yjs_updates_received_total', 'Yjs updates received from clients.', () => t.updatesIn)
    counter('easel_yjs_updates_sent_total', 'Yjs update frames delivered to sockets.', () => t.updatesOut)
    counter('easel_yjs_received_bytes_total', 'Bytes of Yjs updates received.', () => t.bytesIn)
    counter('easel_yjs_sent_bytes_total', 'Bytes of Yjs update frames delivered.', () => t.bytesOut)
    counter('easel_awareness_messages_total', 'Awareness messages received.', () => t.awareness)
    labelled('easel_commits_total', 'Commits answered, by outcome.', 'outcome', () => t.commits)
    labelled(
      'easel_commit_conflicts_total',
      'Commits that lost a version race, by field.',
      'field',
      () => t.conflictsByField,
    )
    counter('easel_lease_grants_total', 'Leases granted.', () => t.leases.granted)
    counter('easel_lease_waits_total', 'Leases granted after waiting in the queue.', () => t.leases.waited)
    labelled(
      'easel_lease_denials_total',
      'Lease requests not granted, by reason.',
      'reason',
      () => t.leases.denied,
    )
    labelled('easel_lease_ends_total', 'Leases ended, by cause.', 'cause', () => t.leases.ended)
    labelled(
      'easel_sockets_closed_total',
      'Sockets the server closed, by close code.',
      'code',
      () => t.closes,
    )
    labelled('easel_limit_trips_total', 'Limit trips, by limit.', 'limit', () =>
      Object.fromEntries(LIMIT_NAMES.map((n) => [n, limits.tripped[n]])),
    )
    const commit = histogram('easel_commit_duration_seconds', 'Commit latency in the authority.', FAST)
    const wait = histogram(
      'easel_lease_wait_seconds',
      'Time a lease was waited for (grants that waited).',
      SLOW,
    )
    const hold = histogram('easel_lease_hold_seconds', 'Time a lease was held.', SLOW)
    const persist = histogram('easel_persistence_append_seconds', 'Time to store one update durably.', FAST)
    telemetry.timings = {
      commit: (s) => commit.observe(s),
      leaseWait: (s) => wait.observe(s),
      leaseHold: (s) => hold.observe(s),
      persist: (s) => persist.observe(s),
    }
  }

  /**
   * The text exposition. Process metrics (event-loop lag, memory, CPU, GC) join on the first
   * scrape: each set runs monitors of its own, which a server nobody scrapes does not need.
   */
  async text(): Promise<string> {
    if (!this.defaults) {
      this.defaults = true
      collectDefaultMetrics({ register: this.registry, prefix: 'easel_' })
    }
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
