import { describe, expect, it } from 'vitest'
import type { Authority, CommitEnv, CommitRequest, LeaseClient } from '@easel/shared'

/**
 * The contract every authority backend must pass (SQLite and memory): the same cases, run
 * against a fresh backend per test. `make` returns a backend and a way to reopen it on the same
 * storage, as after a process restart.
 */
export function runAuthorityTests(
  name: string,
  make: () => Promise<{ authority: Authority; reopen(): Promise<Authority>; cleanup(): Promise<void> }>,
): void {
  const env = (over: Partial<CommitEnv> = {}): CommitEnv => ({
    sessionId: 'c1',
    by: 'Ada',
    shapeExists: () => true,
    now: 1_000,
    at: 123,
    ...over,
  })
  const del = (opId: string, baseVersion: number): CommitRequest => ({
    opId,
    ops: [{ shapeId: 's1', field: 'deleted', baseVersion, value: true }],
  })
  const ada: LeaseClient = { id: 'c1', name: 'Ada', color: '#e03131' }
  const bo: LeaseClient = { id: 'c2', name: 'Bo', color: '#1971c2' }

  describe(`authority contract: ${name}`, () => {
    it('applies a matching commit, bumps the version, and conflicts a stale one', async () => {
      const { authority, cleanup } = await make()
      try {
        expect((await authority.commit('r', del('op-aaaaaaa1', 0), env())).result).toEqual({
          status: 'ok',
          versions: [1],
        })
        const stale = await authority.commit('r', del('op-aaaaaaa2', 0), env({ by: 'Bo' }))
        expect(stale.result).toMatchObject({
          status: 'conflict',
          version: 1,
          value: true,
          by: 'Ada',
          at: 123,
        })
        const states = await authority.fieldStates('r')
        expect(states.get('s1:deleted')).toEqual({ version: 1, value: true, by: 'Ada', at: 123 })
        expect((await authority.fieldStates('other-room')).size).toBe(0)
      } finally {
        await cleanup()
      }
    })

    it('replays the recorded answer for a repeated opId, also after reopening, and refuses a reused one', async () => {
      const { authority, reopen, cleanup } = await make()
      try {
        const first = await authority.commit('r', del('op-bbbbbbb1', 0), env())
        const again = await authority.commit('r', del('op-bbbbbbb1', 0), env())
        expect(again.result).toEqual(first.result)
        expect(again.replayed).toBe(true)
        expect(again.apply).toBeNull()
        const reopened = await reopen()
        const afterRestart = await reopened.commit('r', del('op-bbbbbbb1', 0), env())
        expect(afterRestart.result).toEqual(first.result)
        expect((await reopened.fieldStates('r')).get('s1:deleted')!.version).toBe(1)
        const reused = await reopened.commit('r', del('op-bbbbbbb1', 5), env())
        expect(reused.result).toMatchObject({ status: 'error', code: 'opid_reused' })
        expect((await reopened.fieldStates('r')).get('s1:deleted')!.version).toBe(1)
      } finally {
        await cleanup()
      }
    })

    it('idempotency records are per session: the same opId from another session is another request, also after reopening', async () => {
      const { authority, reopen, cleanup } = await make()
      try {
        const ada = await authority.commit('r', del('op-shared01', 0), env({ sessionId: 'ada' }))
        expect(ada.result).toEqual({ status: 'ok', versions: [1] })
        // Bo picked the same opId: Bo's request is decided on its own (stale here), not answered
        // with Ada's record; a different payload is not 'opid_reused' either.
        const bo = await authority.commit('r', del('op-shared01', 0), env({ sessionId: 'bo', by: 'Bo' }))
        expect(bo.replayed ?? false).toBe(false)
        expect(bo.result).toMatchObject({ status: 'conflict', version: 1, by: 'Ada' })
        const bo2 = await authority.commit('r', del('op-shared02', 1), env({ sessionId: 'bo', by: 'Bo' }))
        expect(bo2.result).toEqual({ status: 'ok', versions: [2] })
        const adaOther = await authority.commit('r', del('op-shared02', 7), env({ sessionId: 'ada' }))
        expect(adaOther.result).toMatchObject({ status: 'conflict', version: 2 })
        // The same session retrying gets its own recorded answer, after a restart too.
        const reopened = await reopen()
        const adaAgain = await reopened.commit('r', del('op-shared01', 0), env({ sessionId: 'ada' }))
        expect(adaAgain).toMatchObject({ replayed: true, result: ada.result })
        const boAgain = await reopened.commit('r', del('op-shared01', 0), env({ sessionId: 'bo' }))
        expect(boAgain).toMatchObject({ replayed: true, result: bo.result })
      } finally {
        await cleanup()
      }
    })

    it('stores a value as its schema parsed it (unknown keys dropped), also after reopening', async () => {
      const { authority, reopen, cleanup } = await make()
      try {
        const binding = { start: null, end: null, junk: 'x'.repeat(10_000) }
        const req: CommitRequest = {
          opId: 'op-fffffff1',
          ops: [{ shapeId: 's1', field: 'binding', baseVersion: 0, value: binding }],
        }
        const d = await authority.commit('r', req, env())
        expect(d.result).toEqual({ status: 'ok', versions: [1] })
        expect(d.apply![0]!.value).toEqual({ start: null, end: null })
        expect((await authority.fieldStates('r')).get('s1:binding')!.value).toEqual({
          start: null,
          end: null,
        })
        const reopened = await reopen()
        expect((await reopened.fieldStates('r')).get('s1:binding')!.value).toEqual({ start: null, end: null })
      } finally {
        await cleanup()
      }
    })

    it('refuses a commit past maxAddedBytes with too_large: nothing stored, a retry that fits applies', async () => {
      const { authority, cleanup } = await make()
      try {
        const req: CommitRequest = {
          opId: 'op-fffffff2',
          ops: [{ shapeId: 's1', field: 'text', baseVersion: 0, value: 'x'.repeat(1000) }],
        }
        const refused = await authority.commit('r', req, env({ maxAddedBytes: 500 }))
        expect(refused.result).toMatchObject({ status: 'error', code: 'too_large' })
        expect(refused.apply).toBeNull()
        expect((await authority.fieldStates('r')).size).toBe(0)
        // Not remembered for the opId: once there is room, the same request applies.
        const retried = await authority.commit('r', req, env({ maxAddedBytes: 5000 }))
        expect(retried.result).toEqual({ status: 'ok', versions: [1] })
      } finally {
        await cleanup()
      }
    })

    it('a conflict answer is also recorded for its opId', async () => {
      const { authority, cleanup } = await make()
      try {
        await authority.commit('r', del('op-ccccccc1', 0), env())
        const c1 = await authority.commit('r', del('op-ccccccc2', 0), env())
        await authority.commit('r', del('op-ccccccc3', 1), env())
        const c2 = await authority.commit('r', del('op-ccccccc2', 0), env())
        expect(c2.result).toEqual(c1.result)
      } finally {
        await cleanup()
      }
    })

    it('prunes old idempotency records', async () => {
      const { authority, cleanup } = await make()
      try {
        await authority.commit('r', del('op-ddddddd1', 0), env({ at: 1000 }))
        expect(await authority.pruneRecords(Date.now() + 1)).toBeGreaterThanOrEqual(1)
        // The opId is forgotten: the same payload is now decided afresh (and is stale).
        expect((await authority.commit('r', del('op-ddddddd1', 0), env())).result.status).toBe('conflict')
      } finally {
        await cleanup()
      }
    })

    it('leases: grant, deny, and tokens that keep growing across a reopen', async () => {
      const { authority, reopen, cleanup } = await make()
      try {
        const g = await authority.withLeases('r', 0, (t) => t.acquire('s1', ada, 0))
        expect(g.value).toMatchObject({ status: 'granted', lease: { token: 1 } })
        expect(g.events).toHaveLength(1)
        const d = await authority.withLeases('r', 1, (t) => t.acquire('s1', bo, 1))
        expect(d.value).toMatchObject({ status: 'denied' })
        const reopened = await reopen()
        // The lease survives the restart (its holder may renew within the TTL) ...
        const held = await reopened.withLeases('r', 2, (t) => t.get('s1', 2))
        expect(held.value).toMatchObject({ holder: { id: 'c1' }, token: 1 })
        // ... and the next grant anywhere in the room has a higher token.
        const g2 = await reopened.withLeases('r', 3, (t) => t.acquire('s2', bo, 3))
        expect(g2.value).toMatchObject({ status: 'granted', lease: { token: 2 } })
      } finally {
        await cleanup()
      }
    })

    it('a leased field commits only with the current token of the current holder', async () => {
      const { authority, cleanup } = await make()
      try {
        await authority.withLeases('r', 0, (t) => t.acquire('s1', ada, 0))
        const text = (opId: string, token: number, sessionId: string) =>
          authority.commit(
            'r',
            { opId, ops: [{ shapeId: 's1', field: 'text', baseVersion: 0, value: 'hello' }], token },
            env({ sessionId, now: 10 }),
          )
        expect((await text('op-eeeeeee1', 1, 'c2')).result).toMatchObject({ code: 'locked', holder: 'Ada' })
        expect((await text('op-eeeeeee2', 7, 'c1')).result).toMatchObject({ code: 'stale_token' })
        expect((await text('op-eeeeeee3', 1, 'c1')).result).toEqual({ status: 'ok', versions: [1] })
      } finally {
        await cleanup()
      }
    })
  })
}
