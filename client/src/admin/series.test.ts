import { describe, expect, it } from 'vitest'
import {
  buildSeries,
  closeRows,
  headline,
  intervalsMs,
  keyUnion,
  limitRows,
  rate,
  trailingSums,
} from './series.ts'
import { EMPTY_DASHBOARD, sample } from './testDashboard.ts'

describe('series from samples', () => {
  const samples = [
    sample(10_000, { conflictsByField: { text: 2 }, updatesIn: 6, bytesIn: 600, users: 2, rooms: 1 }),
    sample(12_000, { conflictsByField: { deleted: 1 }, updatesOut: 10, users: 3, rooms: 1 }),
    sample(14_000, {
      conflictsByField: { text: 1, deleted: 3 },
      leaseWaits: 2,
      leaseWaitP50Ms: 120,
      leaseWaitP99Ms: 900,
    }),
  ]

  it('fields are those that lost a race in any sample, sorted; a field missing in a sample counts 0', () => {
    const s = buildSeries([...samples, sample(16_000, { conflictsByField: { parent: 0 } })], 2000)
    expect(s.fields).toEqual(['deleted', 'text'])
    // Conflicts of the trailing minute at each sample.
    expect(s.conflictsPerMin).toEqual([
      [0, 1, 4, 4],
      [2, 2, 3, 3],
    ])
  })

  it('the per-minute rate is a trailing minute: old conflicts leave it', () => {
    const at = [0, 30_000, 59_999, 60_000, 90_000, 200_000]
    expect(trailingSums(at, [1, 2, 4, 8, 16, 32], 60_000)).toEqual([1, 3, 7, 14, 28, 32])
    expect(trailingSums([], [], 60_000)).toEqual([])
  })

  it('x is in seconds, rates are per second, percentiles keep their gaps', () => {
    const s = buildSeries(samples, 2000)
    expect(s.t).toEqual([10, 12, 14])
    expect(s.updatesInPerSec).toEqual([3, 0, 0])
    expect(s.updatesOutPerSec).toEqual([0, 5, 0])
    expect(s.bytesInPerSec).toEqual([300, 0, 0])
    expect(s.leaseP50).toEqual([null, null, 120])
    expect(s.leaseP99).toEqual([null, null, 900])
    expect(s.users).toEqual([2, 3, 0])
  })

  it('an interval is the gap to the previous sample, the nominal one for the first or after a hole', () => {
    const at = [0, 1000, 3500, 60_000, 60_000].map((t) => sample(t))
    expect(intervalsMs(at, 1000)).toEqual([1000, 1000, 2500, 1000, 1000])
    expect(rate(5, 2500, 1000)).toBe(2)
    expect(rate(5, 0, 1000)).toBe(0)
  })

  it('no samples: empty columns, no fields', () => {
    const s = buildSeries([], 2000)
    expect(s.t).toEqual([])
    expect(s.fields).toEqual([])
    expect(keyUnion([], (x) => x.limits)).toEqual([])
  })
})

describe('headline and tables', () => {
  it('conflict rate is conflicts over version-checked commits; users and rooms are the last sample', () => {
    const d = {
      ...EMPTY_DASHBOARD,
      now: 100_000,
      samples: [
        sample(30_000, { users: 9, conflictsByField: { x: 5 } }),
        sample(99_000, { users: 4, rooms: 2, conflictsByField: { text: 1 } }),
      ],
      totals: { ...EMPTY_DASHBOARD.totals, commits: { ok: 30, conflict: 10, duplicate: 3, refused: 1 } },
    }
    const h = headline(d)
    expect(h.conflictRate).toBe(0.25)
    expect(h.users).toBe(4)
    expect(h.rooms).toBe(2)
    expect(h.commits.duplicate).toBe(3)
    // Only the sample within the last minute.
    expect(h.conflictsInWindow).toBe(1)
    expect(headline(EMPTY_DASHBOARD)).toMatchObject({ conflictRate: null, users: null, rooms: null })
  })

  it('limits: totals and trips in the last minute, most tripped first, none never tripped', () => {
    const d = {
      ...EMPTY_DASHBOARD,
      now: 100_000,
      samples: [
        sample(20_000, { limits: { frame_size: 4 } }),
        sample(90_000, { limits: { connect_rate: 2, frame_size: 1 } }),
      ],
      totals: {
        ...EMPTY_DASHBOARD.totals,
        limits: { frame_size: 7, connect_rate: 2, awareness: 1, rooms: 0 },
      },
    }
    expect(limitRows(d)).toEqual([
      { name: 'frame_size', total: 7, recent: 1 },
      { name: 'connect_rate', total: 2, recent: 2 },
      { name: 'awareness', total: 1, recent: 0 },
    ])
  })

  it('closes by code carry the protocol name of the code', () => {
    expect(closeRows({ '4400': 2, '1009': 5, '4999': 1, '1000': 0 })).toEqual([
      { code: '1009', name: 'MessageTooBig', count: 5 },
      { code: '4400', name: 'MalformedMessage', count: 2 },
      { code: '4999', name: 'unknown', count: 1 },
    ])
  })
})
