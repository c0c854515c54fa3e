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

const req = (opId: string, shapeId = 's1'): CommitRequest => ({
  opId,
  ops: [{ shapeId, field: 'deleted', baseVersion: 0, value: true }],
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
    void first.submit(req('op-b', 's2'), 'delete the arrow')
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
    void second.submit(req('op-b', 's2'), 'delete the arrow')
    second.resume()
    expect(new Set(sent.map((e) => e.join(' ')))).toEqual(
      new Set(['op-b new-tab.secret', 'op-a old-tab.secret']),
    )
  })

  /** Deleting s1 (from version 0), then undoing it at once, expecting the text the user saw. */
  const deleteThenUndo = (q: CommitQueue) => {
    const del = q.submit(req('op-del'), 'delete the note')
    const undo = q.submit(
      {
        opId: 'op-undo',
        ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: false }],
        expect: [
          { shapeId: 's1', field: 'text', version: 3 },
          { shapeId: 's2', field: 'deleted', version: 0 },
        ],
      },
      'restore the note',
    )
    return { del, undo }
  }

  it('an undo made while its delete is in flight waits for it, then goes from the version it made', async () => {
    const sent: CommitRequest[] = []
    const t = fakeTimers()
    const q = new CommitQueue({ send: (r) => sent.push(r) > 0 }, { storageKey: 'k', ...t })
    const { undo } = deleteThenUndo(q)
    void q.submit(req('op-other', 's2'), 'delete the arrow') // another shape: not held back
    expect(sent.map((r) => r.opId)).toEqual(['op-del', 'op-other'])
    expect(q.size).toBe(3)
    t.advance(60_000) // the others' answers are late: they are resent, the undo still waits
    expect(new Set(sent.map((r) => r.opId))).toEqual(new Set(['op-del', 'op-other']))
    q.resume() // a reconnect does not send it either
    expect(new Set(sent.map((r) => r.opId))).toEqual(new Set(['op-del', 'op-other']))
    q.handleResult('op-del', { status: 'ok', versions: [4] })
    expect(sent.at(-1)).toEqual({
      opId: 'op-undo',
      ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 4, value: false }],
      // Only what the delete wrote moves; s2 is still in flight, and was not written by the delete.
      expect: [
        { shapeId: 's1', field: 'text', version: 3 },
        { shapeId: 's2', field: 'deleted', version: 0 },
      ],
    })
    q.handleResult('op-undo', { status: 'ok', versions: [5] })
    expect(await undo).toEqual({ status: 'ok', versions: [5] })
  })

  it('a commit waiting for one that was refused goes as it was made', () => {
    const sent: CommitRequest[] = []
    const q = new CommitQueue({ send: (r) => sent.push(r) > 0 }, { storageKey: 'k', ...fakeTimers() })
    deleteThenUndo(q)
    q.handleResult('op-del', {
      status: 'conflict',
      shapeId: 's1',
      field: 'deleted',
      version: 1,
      value: false,
      by: 'Bob',
      at: 0,
    })
    expect(sent.map((r) => [r.opId, r.ops[0]!.baseVersion])).toEqual([
      ['op-del', 0],
      ['op-undo', 0],
    ])
  })

  it('a commit waiting for another still waits after a reload, and the orphan answer frees it', () => {
    const storage = memoryStorage()
    const t = fakeTimers()
    const first = new CommitQueue({ send: () => false }, { storage, storageKey: 'room', ...t })
    deleteThenUndo(first)
    first.destroy()
    const sent: CommitRequest[] = []
    const orphans: string[] = []
    const second = new CommitQueue(
      { send: (r) => sent.push(r) > 0 },
      { storage, storageKey: 'room', onOrphanResult: (p) => orphans.push(p.label), ...t },
    )
    second.resume()
    expect(sent.map((r) => r.opId)).toEqual(['op-del'])
    second.handleResult('op-del', { status: 'ok', versions: [1] })
    expect(orphans).toEqual(['delete the note'])
    expect(sent.map((r) => [r.opId, r.ops[0]!.baseVersion])).toEqual([
      ['op-del', 0],
      ['op-undo', 1],
    ])
  })

  it('ignores corrupt stored state instead of failing to start', () => {
    const storage = memoryStorage()
    storage.setItem('room', '{not json')
    const q = new CommitQueue({ send: () => true }, { storage, storageKey: 'room' })
    expect(q.size).toBe(0)
    expect(storage.getItem('room')).toBeNull()
  })
})
