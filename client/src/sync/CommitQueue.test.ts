import { describe, expect, it } from 'vitest'
import type { CommitRequest, CommitResult } from '@easel/shared'
import { backoffDelay } from './backoff.ts'
import { CommitQueue } from './CommitQueue.ts'

/** Timers run by hand: `advance(ms)` fires everything due. */
function fakeTimers() {
  let now = 0
  let seq = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  return {
    setTimer: (fn: () => void, ms: number) => {
      timers.set(++seq, { at: now + ms, fn })
      return seq
    },
    clearTimer: (t: unknown) => timers.delete(t as number),
    advance(ms: number) {
      const end = now + ms
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        timers.delete(due[0])
        now = due[1].at
        due[1].fn()
      }
      now = end
    },
  }
}

function memoryStorage() {
  const m = new Map<string, string>()
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  }
}

const req = (opId: string): CommitRequest => ({
  opId,
  ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }],
})
const ok: CommitResult = { status: 'ok', versions: [1] }

describe('backoffDelay', () => {
  it('is full jitter under an exponential, capped ceiling', () => {
    const o = { baseMs: 100, capMs: 1000, random: () => 0.999 }
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, o))).toEqual([99, 199, 399, 799, 999, 999])
    expect(backoffDelay(5, { ...o, random: () => 0 })).toBe(0)
  })
})

describe('CommitQueue', () => {
  it('sends once connected, resolves with the answer, and forgets the commit', async () => {
    const sent: CommitRequest[] = []
    let online = false
    const t = fakeTimers()
    const q = new CommitQueue({ send: (r) => online && sent.push(r) > 0 }, { storageKey: 'k', ...t })
    const answer = q.submit(req('op-1'), 'delete')
    expect(sent).toHaveLength(0)
    online = true
    q.resume()
    expect(sent.map((r) => r.opId)).toEqual(['op-1'])
    q.handleResult('op-1', ok)
    expect(await answer).toEqual(ok)
    expect(q.size).toBe(0)
    q.handleResult('op-1', ok) // a duplicate answer is ignored
  })

  it('retries an unanswered commit with the same opId, backing off', () => {
    const sent: string[] = []
    const t = fakeTimers()
    const q = new CommitQueue(
      { send: (r) => sent.push(r.opId) > 0 },
      {
        storageKey: 'k',
        answerTimeoutMs: 1000,
        backoff: { baseMs: 100, capMs: 400, random: () => 0.5 },
        ...t,
      },
    )
    void q.submit(req('op-1'), 'delete')
    t.advance(1000) // timeout: retry scheduled after 50 ms
    t.advance(50)
    t.advance(1000 + 100) // second retry after 100 ms
    expect(sent).toEqual(['op-1', 'op-1', 'op-1'])
    expect(q.counters.retries).toBe(2)
    q.handleResult('op-1', ok)
    t.advance(100_000)
    expect(sent).toHaveLength(3)
  })

  it('an "unavailable" answer is retried later, not surfaced', async () => {
    const sent: string[] = []
    const t = fakeTimers()
    const q = new CommitQueue(
      { send: (r) => sent.push(r.opId) > 0 },
      { storageKey: 'k', backoff: { random: () => 1 }, ...t },
    )
    const answer = q.submit(req('op-1'), 'delete')
    q.handleResult('op-1', { status: 'error', code: 'unavailable', message: 'redis down' })
    t.advance(250)
    expect(sent).toEqual(['op-1', 'op-1'])
    q.handleResult('op-1', ok)
    expect(await answer).toEqual(ok)
  })

  it('survives a reload: pending commits are stored, replayed with their opIds, answers reach onOrphanResult', () => {
    const storage = memoryStorage()
    const t = fakeTimers()
    const first = new CommitQueue({ send: () => false }, { storage, storageKey: 'room', ...t })
    void first.submit(req('op-a'), 'delete the note')
    void first.submit(req('op-b'), 'delete the arrow')
    first.destroy()

    const sent: string[] = []
    const orphans: [string, CommitResult][] = []
    const second = new CommitQueue(
      { send: (r) => sent.push(r.opId) > 0 },
      { storage, storageKey: 'room', onOrphanResult: (p, r) => orphans.push([p.label, r]), ...t },
    )
    expect(second.list().map((p) => p.request.opId)).toEqual(['op-a', 'op-b'])
    second.resume()
    expect(sent).toEqual(['op-a', 'op-b'])
    second.handleResult('op-b', { status: 'error', code: 'unknown_shape', message: 'gone' })
    expect(orphans).toEqual([
      ['delete the arrow', { status: 'error', code: 'unknown_shape', message: 'gone' }],
    ])
    second.handleResult('op-a', ok)
    expect(storage.getItem('room')).toBeNull()
  })

  it("keeps the session each commit was made under, and replays it with that session's secret", () => {
    const storage = memoryStorage()
    const t = fakeTimers()
    let session: string | null = 'old-tab.secret'
    const first = new CommitQueue(
      { send: () => false },
      { storage, storageKey: 'room', session: () => session, ...t },
    )
    void first.submit(req('op-a'), 'delete the note')
    first.destroy()
    // A new tab: another session, whose own commits carry its own secret.
    session = 'new-tab.secret'
    const sent: [string, string | undefined][] = []
    const second = new CommitQueue(
      { send: (r, s) => sent.push([r.opId, s]) > 0 },
      { storage, storageKey: 'room', session: () => session, ...t },
    )
    void second.submit(req('op-b'), 'delete the arrow')
    second.resume()
    expect(new Set(sent.map((e) => e.join(' ')))).toEqual(
      new Set(['op-b new-tab.secret', 'op-a old-tab.secret']),
    )
  })

  it('ignores corrupt stored state instead of failing to start', () => {
    const storage = memoryStorage()
    storage.setItem('room', '{not json')
    const q = new CommitQueue({ send: () => true }, { storage, storageKey: 'room' })
    expect(q.size).toBe(0)
    expect(storage.getItem('room')).toBeNull()
  })
})
