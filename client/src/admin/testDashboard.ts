import type { Dashboard, DashboardSample } from '@easel/shared'

/** Test data for the dashboard's pure logic: a dashboard with nothing in it yet. */
export const EMPTY_DASHBOARD: Dashboard = {
  now: 10_000,
  startedAt: 0,
  intervalMs: 2000,
  samples: [],
  totals: {
    commits: { ok: 0, conflict: 0, duplicate: 0, refused: 0 },
    conflictsByField: {},
    leases: { granted: 0, denied: 0, ended: {} },
    limits: {},
    closes: {},
  },
  hotShapes: [],
}

/** One sample at `at` with nothing counted, plus `patch`. */
export function sample(at: number, patch: Partial<DashboardSample> = {}): DashboardSample {
  return {
    at,
    rooms: 0,
    users: 0,
    updatesIn: 0,
    updatesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    awareness: 0,
    commits: { ok: 0, conflict: 0, duplicate: 0, refused: 0 },
    conflictsByField: {},
    leaseWaits: 0,
    leaseWaitP50Ms: null,
    leaseWaitP99Ms: null,
    limits: {},
    ...patch,
  }
}
