import { CloseCode, COMMIT_OUTCOMES, type Dashboard, type DashboardSample } from '@easel/shared'

/**
 * What the dashboard's charts draw, built from the server's samples (oldest first): uPlot's
 * column arrays, one x column (seconds since the epoch) and one column per series, all aligned.
 */
export type Series = {
  /** Sample ends, in seconds since the epoch (uPlot's time axis). */
  t: number[]
  /**
   * Every field that lost at least one race in the samples, sorted by name (so a field keeps its
   * colour); the server lists every versioned field, also those at 0.
   */
  fields: string[]
  /**
   * Conflicts per minute, one column per field of `fields`: at each sample, the conflicts of the
   * minute up to it. A trailing minute, not one interval scaled up: a single conflict in a 250 ms
   * interval is 1 / min for a minute, not a 240 / min spike.
   */
  conflictsPerMin: number[][]
  /** Lease-wait percentiles in ms; null where the interval had no wait (a gap in the line). */
  leaseP50: (number | null)[]
  leaseP99: (number | null)[]
  leaseWaits: number[]
  rooms: number[]
  users: number[]
  /** Yjs updates and their bytes per second, received from clients and delivered to them. */
  updatesInPerSec: number[]
  updatesOutPerSec: number[]
  bytesInPerSec: number[]
  bytesOutPerSec: number[]
}

/** The sorted union of the keys of `pick(sample)` over all samples. */
export function keyUnion(
  samples: readonly DashboardSample[],
  pick: (s: DashboardSample) => object,
): string[] {
  const keys = new Set<string>()
  for (const s of samples) for (const k of Object.keys(pick(s))) keys.add(k)
  return [...keys].sort()
}

/**
 * How long each sample's interval was, in ms: the gap to the previous sample (the server's timer
 * may drift, and a restart leaves a hole), the nominal interval for the first or a non-increasing one.
 */
export function intervalsMs(samples: readonly DashboardSample[], intervalMs: number): number[] {
  return samples.map((s, i) => {
    const dt = i === 0 ? intervalMs : s.at - samples[i - 1]!.at
    // A gap of many intervals (a restart) would turn one interval's counts into a tiny rate.
    return dt > 0 && dt <= intervalMs * 3 ? dt : intervalMs
  })
}

/** `count` events in `ms` as a rate per `perMs` (1000: per second, 60 000: per minute). */
export function rate(count: number, ms: number, perMs: number): number {
  return ms > 0 ? (count * perMs) / ms : 0
}

/** At each time of `at` (ascending), the sum of `values` whose time is within `windowMs` up to it. */
export function trailingSums(at: readonly number[], values: readonly number[], windowMs: number): number[] {
  const out: number[] = []
  let from = 0
  let sum = 0
  for (let i = 0; i < at.length; i++) {
    sum += values[i]!
    while (at[from]! <= at[i]! - windowMs) sum -= values[from++]!
    out.push(sum)
  }
  return out
}

export function buildSeries(samples: readonly DashboardSample[], intervalMs: number): Series {
  const dts = intervalsMs(samples, intervalMs)
  const fields = keyUnion(samples, (s) => s.conflictsByField).filter((f) =>
    samples.some((s) => (s.conflictsByField[f] ?? 0) > 0),
  )
  const perSec = (pick: (s: DashboardSample) => number) => samples.map((s, i) => rate(pick(s), dts[i]!, 1000))
  const conflictsPerMin = fields.map((f) =>
    trailingSums(
      samples.map((s) => s.at),
      samples.map((s) => s.conflictsByField[f] ?? 0),
      60_000,
    ),
  )
  return {
    t: samples.map((s) => s.at / 1000),
    fields,
    conflictsPerMin,
    leaseP50: samples.map((s) => s.leaseWaitP50Ms),
    leaseP99: samples.map((s) => s.leaseWaitP99Ms),
    leaseWaits: samples.map((s) => s.leaseWaits),
    rooms: samples.map((s) => s.rooms),
    users: samples.map((s) => s.users),
    updatesInPerSec: perSec((s) => s.updatesIn),
    updatesOutPerSec: perSec((s) => s.updatesOut),
    bytesInPerSec: perSec((s) => s.bytesIn),
    bytesOutPerSec: perSec((s) => s.bytesOut),
  }
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)
const sumValues = (r: Record<string, number>) => sum(Object.values(r))

/** The numbers at the top of the page. */
export type Headline = {
  commits: Record<(typeof COMMIT_OUTCOMES)[number], number>
  /** Conflicts per commit that reached a version check (ok + conflict); null before the first. */
  conflictRate: number | null
  /** Rooms and users at the last sample; null before the first. */
  rooms: number | null
  users: number | null
  leasesGranted: number
  conflictsInWindow: number
}

/** Conflicts summed over the samples of the last `windowMs` before `now`. */
export function countSince(
  samples: readonly DashboardSample[],
  now: number,
  windowMs: number,
  pick: (s: DashboardSample) => number,
): number {
  return sum(samples.filter((s) => s.at > now - windowMs).map(pick))
}

export function headline(d: Dashboard, windowMs = 60_000): Headline {
  const commits = Object.fromEntries(
    COMMIT_OUTCOMES.map((o) => [o, d.totals.commits[o] ?? 0]),
  ) as Headline['commits']
  const checked = commits.ok + commits.conflict
  const last = d.samples.at(-1)
  return {
    commits,
    conflictRate: checked > 0 ? commits.conflict / checked : null,
    rooms: last?.rooms ?? null,
    users: last?.users ?? null,
    leasesGranted: d.totals.leases.granted,
    conflictsInWindow: countSince(d.samples, d.now, windowMs, (s) => sumValues(s.conflictsByField)),
  }
}

export type LimitRow = { name: string; total: number; recent: number }

/**
 * Every limit tripped since start, with its trips in the last `windowMs`; most tripped first. The
 * server lists every limit, also those never tripped: those are left out.
 */
export function limitRows(d: Dashboard, windowMs = 60_000): LimitRow[] {
  const names = new Set([...Object.keys(d.totals.limits), ...keyUnion(d.samples, (s) => s.limits)])
  return [...names]
    .map((name) => ({
      name,
      total: d.totals.limits[name] ?? 0,
      recent: countSince(d.samples, d.now, windowMs, (s) => s.limits[name] ?? 0),
    }))
    .filter((r) => r.total > 0 || r.recent > 0)
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name))
}

const CLOSE_NAMES = new Map<number, string>(Object.entries(CloseCode).map(([name, code]) => [code, name]))

export type CloseRow = { code: string; name: string; count: number }

/** Sockets the server closed, by code with the code's name from the protocol; most first; none at 0. */
export function closeRows(closes: Record<string, number>): CloseRow[] {
  return Object.entries(closes)
    .filter(([, count]) => count > 0)
    .map(([code, count]) => ({ code, name: CLOSE_NAMES.get(Number(code)) ?? 'unknown', count }))
    .sort((a, b) => b.count - a.count || Number(a.code) - Number(b.code))
}

/** Whether any value of the columns is above zero (else the chart shows its empty state). */
export function anyAboveZero(columns: readonly (readonly (number | null)[])[]): boolean {
  return columns.some((col) => col.some((v) => v !== null && v > 0))
}
