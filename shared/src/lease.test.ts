import { describe, expect, it } from 'vitest'
import { emptyLeaseState, type LeaseClient, LeaseTable } from './lease.ts'

const ada: LeaseClient = { id: 'ada', name: 'Ada', color: '#e03131' }
const bo: LeaseClient = { id: 'bo', name: 'Bo', color: '#1971c2' }
const cy: LeaseClient = { id: 'cy', name: 'Cy', color: '#2f9e44' }

const table = () => new LeaseTable(emptyLeaseState(), { ttlMs: 10_000, idleMs: 30_000 })

describe('LeaseTable', () => {
  it('grants a free shape with token 1, then denies others with the holder', () => {
    const t = table()
    const a = t.acquire('s', ada, 0)
    expect(a).toMatchObject({ status: 'granted', lease: { token: 1, expiresAt: 10_000, holder: ada } })
    expect(t.acquire('s', bo, 5)).toMatchObject({ status: 'denied', holder: { holder: ada }, position: null })
  })

  it('the holder asking again keeps its token and is told so (a grant event, not silence)', () => {
    const t = table()
    t.acquire('s', ada, 0)
    t.events.length = 0
    expect(t.acquire('s', ada, 1000)).toMatchObject({ status: 'granted', lease: { token: 1 } })
    expect(t.events).toEqual([{ type: 'granted', lease: expect.objectContaining({ token: 1 }), waitedMs: 0 }])
    expect(t.get('s', 10_999)?.holder).toEqual(ada) // refreshed from the second ask
  })

  it('renew extends the lease; the wrong token or holder is told it lost it', () => {
    const t = table()
    t.acquire('s', ada, 0)
    expect(t.renew('s', 'ada', 1, 3000, false)).toMatchObject({
      status: 'renewed',
      lease: { expiresAt: 13_000 },
    })
    expect(t.renew('s', 'ada', 2, 3000, false).status).toBe('lost')
    expect(t.renew('s', 'bo', 1, 3000, false).status).toBe('lost')
  })

  it('expires after TTL without renewal; the next grant has a higher token', () => {
    const t = table()
    t.acquire('s', ada, 0)
    expect(t.get('s', 9_999)).not.toBeNull()
    expect(t.get('s', 10_000)).toBeNull()
    expect(t.events.at(-1)).toMatchObject({ type: 'ended', cause: 'expired' })
    const b = t.acquire('s', bo, 10_001)
    expect(b).toMatchObject({ status: 'granted', lease: { token: 2 } })
  })

  it('stale token: the old holder is rejected after a re-grant', () => {
    const t = table()
    t.acquire('s', ada, 0)
    t.acquire('s', bo, 11_000)
    expect(t.isCurrent('s', 'ada', 1, 11_001)).toBe(false)
    expect(t.isCurrent('s', 'bo', 2, 11_001)).toBe(true)
    expect(t.renew('s', 'ada', 1, 11_002, true)).toMatchObject({ status: 'lost', current: { holder: bo } })
  })

  it('releases on request, only by the holder', () => {
    const t = table()
    t.acquire('s', ada, 0)
    expect(t.release('s', 'bo', 1)).toBe(false)
    expect(t.release('s', 'ada', 1)).toBe(true)
    expect(t.events.at(-1)).toMatchObject({ type: 'ended', cause: 'released' })
    expect(t.get('s', 2)).toBeNull()
  })

  it('idle release: renewals without activity do not keep a lease past the idle time', () => {
    const t = table()
    t.acquire('s', ada, 0)
    for (let now = 3000; now < 30_000; now += 3000)
      expect(t.renew('s', 'ada', 1, now, false).status).toBe('renewed')
    expect(t.renew('s', 'ada', 1, 30_000, false).status).toBe('lost')
    expect(t.events.at(-1)).toMatchObject({ type: 'ended', cause: 'idle' })
    const t2 = table()
    t2.acquire('s', ada, 0)
    for (let now = 3000; now < 60_000; now += 3000)
      expect(t2.renew('s', 'ada', 1, now, true).status).toBe('renewed')
  })

  it('waiters are served in request order when the lease frees', () => {
    const t = table()
    t.acquire('s', ada, 0)
    expect(t.acquire('s', bo, 10, true)).toMatchObject({ status: 'denied', position: 1 })
    expect(t.acquire('s', cy, 20, true)).toMatchObject({ status: 'denied', position: 2 })
    expect(t.acquire('s', bo, 30, true)).toMatchObject({ position: 1 }) // asking again keeps the place
    t.release('s', 'ada', 100)
    expect(t.get('s', 100)).toMatchObject({ holder: bo, token: 2 })
    expect(t.events.at(-1)).toMatchObject({ type: 'granted', waitedMs: 90 })
    t.releaseClient('bo', 200)
    expect(t.get('s', 200)).toMatchObject({ holder: cy, token: 3 })
  })

  it('a client that disconnects loses its leases and its places in queues', () => {
    const t = table()
    t.acquire('a', ada, 0)
    t.acquire('b', bo, 0)
    t.acquire('b', ada, 0, true)
    t.releaseClient('ada', 5)
    expect(t.get('a', 5)).toBeNull()
    t.release('b', 'bo', 6)
    expect(t.get('b', 6)).toBeNull()
  })

  it('tokens never decrease, across any sequence and a reload of the state', () => {
    const t = table()
    let last = 0
    for (let i = 0; i < 50; i++) {
      const who = [ada, bo, cy][i % 3]!
      const r = t.acquire('s', who, i * 20_000)
      if (r.status === 'granted') {
        expect(r.lease.token).toBeGreaterThan(last)
        last = r.lease.token
      }
    }
    const reloaded = new LeaseTable(JSON.parse(JSON.stringify(t.state)), t.config)
    const r = reloaded.acquire('other', ada, 10_000_000)
    expect(r.status === 'granted' && r.lease.token).toBeGreaterThan(last)
  })

  it('reports the next deadline for the expiry timer', () => {
    const t = table()
    expect(t.nextDeadline()).toBeNull()
    t.acquire('s', ada, 100)
    expect(t.nextDeadline()).toBe(10_100)
  })
})
