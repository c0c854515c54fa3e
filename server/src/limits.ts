import type { Logger } from 'pino'

/** Every budget the server enforces; each trip is counted by name and logged. */
export const LIMIT_NAMES = [
  /** Frames per second of one connection (RateLimited). */
  'rate_frames',
  /** Bytes per second of one connection (RateLimited). */
  'rate_bytes',
  /** A socket's unsent bytes passed `maxBufferedBytes` (Backpressure). */
  'backpressure',
  /** Sockets from one client address (ServerBusy). */
  'connections_per_ip',
  /** New sockets per second from one client address (ServerBusy). */
  'connect_rate',
  /** Sockets in all (ServerBusy). */
  'connections',
  /** Rooms in memory (ServerBusy). */
  'rooms',
  /** A board's document size (BoardFull). */
  'doc_size',
  /** An update the shape schema rejects (InvalidContent). */
  'schema',
  /** An awareness frame over `awarenessMaxBytes` (dropped). */
  'awareness_size',
  /** Awareness frames over the per-connection rate (dropped). */
  'awareness_rate',
  /** More awareness client ids than `awarenessMaxIds` on one connection (dropped). */
  'awareness_ids',
  /** Awareness for a client id another connection announced (dropped). */
  'awareness_foreign',
  /** Leases held or awaited by one session over `maxLeasesPerSession` (denied). */
  'leases_per_session',
  /** A lease asked for a shape that does not exist (denied). */
  'lease_unknown_shape',
  /** A browser socket from an origin not on the allowlist (HTTP 403). */
  'origin',
] as const
export type LimitName = (typeof LIMIT_NAMES)[number]

/** How often one limit is logged at most; trips in between are summed into the next line. */
const LOG_INTERVAL_MS = 1000

/**
 * Counts limit trips by name, for `/api/stats` and metrics, and logs them at warn level without
 * letting a flood flood the log: one line per limit per second, carrying how many trips it covers.
 */
export class Limits {
  readonly tripped = Object.fromEntries(LIMIT_NAMES.map((n) => [n, 0])) as Record<LimitName, number>
  private readonly lastLog = new Map<LimitName, { at: number; unlogged: number }>()
  /** Called on every trip (metrics hook in later). */
  onTrip: ((name: LimitName) => void) | null = null

  constructor(private readonly now: () => number = () => performance.now()) {}

  trip(name: LimitName, log: Logger, detail: Record<string, unknown> = {}): void {
    this.tripped[name]++
    this.onTrip?.(name)
    const t = this.now()
    const last = this.lastLog.get(name)
    if (last && t - last.at < LOG_INTERVAL_MS) {
      last.unlogged++
      return
    }
    const trips = (last?.unlogged ?? 0) + 1
    this.lastLog.set(name, { at: t, unlogged: 0 })
    log.warn({ limit: name, trips, ...detail }, `limit tripped: ${name}`)
  }
}
