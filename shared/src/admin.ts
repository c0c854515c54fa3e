import { z } from 'zod'

/**
 * The admin dashboard's data (`GET /api/admin/dashboard`, admin token as a bearer): what the
 * operator's control loop reads. The server samples its counters every `intervalMs` into a ring of
 * at most `DASHBOARD_SAMPLES`; the client polls and draws. Room ids appear here (an admin sees
 * them), never as Prometheus labels.
 */
export const DASHBOARD_SAMPLES = 360

export const COMMIT_OUTCOMES = ['ok', 'conflict', 'duplicate', 'refused'] as const
export type CommitOutcome = (typeof COMMIT_OUTCOMES)[number]

const count = z.number().int().nonnegative()
const counts = z.record(z.string(), count)
const ms = z.number().nonnegative()

/** What happened during one interval, ending at `at`. Counts are per interval, not running totals. */
export const dashboardSampleSchema = z.object({
  /** End of the interval, ms since the epoch. */
  at: z.number(),
  /** Rooms loaded and room sockets open at the end of the interval. */
  rooms: count,
  users: count,
  /** Yjs document updates received from clients and delivered to them, and their bytes. */
  updatesIn: count,
  updatesOut: count,
  bytesIn: count,
  bytesOut: count,
  awareness: count,
  /** Commits by outcome (every `COMMIT_OUTCOMES` key present). */
  commits: counts,
  /** Commits that lost a version race, by field (`x`, `fill`, `text`...). */
  conflictsByField: counts,
  /** Leases granted after waiting in this interval, and their wait percentiles (null if none). */
  leaseWaits: count,
  leaseWaitP50Ms: ms.nullable(),
  leaseWaitP99Ms: ms.nullable(),
  /** Limit trips by limit name. */
  limits: counts,
})
export type DashboardSample = z.infer<typeof dashboardSampleSchema>

/** A shape people fight over: conflicts and lease waits since the server started. */
export const hotShapeSchema = z.object({
  room: z.string(),
  shape: z.string(),
  conflicts: count,
  leaseWaits: count,
  /** Longest and total time spent waiting for this shape's lease. */
  leaseWaitMaxMs: ms,
  leaseWaitTotalMs: ms,
  /** Fields it lost races on, with counts. */
  fields: counts,
  lastAt: z.number(),
})
export type HotShape = z.infer<typeof hotShapeSchema>

export const dashboardSchema = z.object({
  /** Server clock and start, ms since the epoch. */
  now: z.number(),
  startedAt: z.number(),
  intervalMs: z.number().int().positive(),
  /** Oldest first. */
  samples: z.array(dashboardSampleSchema).max(DASHBOARD_SAMPLES),
  /** Running totals since start. */
  totals: z.object({
    commits: counts,
    conflictsByField: counts,
    leases: z.object({ granted: count, denied: count, ended: counts }),
    limits: counts,
    /** Sockets the server closed, by close code (`4415`...). */
    closes: counts,
  }),
  /** The hottest shapes first (conflicts + lease waits), at most 20. */
  hotShapes: z.array(hotShapeSchema).max(20),
})
export type Dashboard = z.infer<typeof dashboardSchema>

/**
 * The link that opens a board centred on one shape (the dashboard's hot-shape table uses it):
 * `/b/<room>#shape=<id>`. The fragment never reaches the server.
 */
export function shapeLink(room: string, shape: string): string {
  return `/b/${encodeURIComponent(room)}#shape=${encodeURIComponent(shape)}`
}

/** The shape id of a `#shape=<id>` fragment, or null. */
export function shapeFromHash(hash: string): string | null {
  const m = /^#shape=([^&]+)$/.exec(hash)
  if (!m) return null
  try {
    return decodeURIComponent(m[1]!)
  } catch {
    return null
  }
}
