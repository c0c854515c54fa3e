import { describe, expect, it } from 'vitest'
import { dashboardSampleSchema, shapeFromHash, shapeLink } from './admin.ts'

describe('shape links', () => {
  it('round-trips room and shape ids, escaping what a URL would misread', () => {
    const link = shapeLink('team board', 'a/b#c')
    expect(link).toBe('/b/team%20board#shape=a%2Fb%23c')
    expect(shapeFromHash(link.slice(link.indexOf('#')))).toBe('a/b#c')
  })
  it('ignores fragments that are not a shape link, or are malformed', () => {
    expect(shapeFromHash('')).toBeNull()
    expect(shapeFromHash('#token=abc')).toBeNull()
    expect(shapeFromHash('#shape=')).toBeNull()
    expect(shapeFromHash('#shape=%E0%A4%A')).toBeNull()
  })
})

describe('dashboard samples', () => {
  it('refuses negative counts and accepts a null wait percentile', () => {
    const sample = {
      at: 1,
      rooms: 1,
      users: 2,
      updatesIn: 0,
      updatesOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      awareness: 0,
      commits: { ok: 1, conflict: 0, duplicate: 0, refused: 0 },
      conflictsByField: {},
      leaseWaits: 0,
      leaseWaitP50Ms: null,
      leaseWaitP99Ms: null,
      limits: {},
    }
    expect(dashboardSampleSchema.parse(sample)).toEqual(sample)
    expect(() => dashboardSampleSchema.parse({ ...sample, users: -1 })).toThrow()
  })
})
