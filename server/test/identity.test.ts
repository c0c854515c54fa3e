import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageType, PROTOCOL_VERSION, type ServerMessage, versionedMap } from '@easel/shared'
import { encodeAwarenessUpdate } from '../src/ClientFrames.ts'
import type { EaselServer } from '../src/index.ts'
import { normaliseColor, normaliseName, SessionKeys } from '../src/authority/identity.ts'
import { type ConnectOptions, ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { spawnServer, tempDir } from '@easel/testkit/serverProcess.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { startServer, stockClient, wsUrl } from './helpers.ts'

let server: EaselServer | undefined
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await server?.close()
  server = undefined
})

async function connect(room: string, opts: ConnectOptions = {}, base = wsUrl(server!)) {
  const c = await ProtocolClient.connect(base, room, opts)
  cleanups.push(() => c.close())
  return c
}

type Of<T extends ServerMessage['t']> = Extract<ServerMessage, { t: T }>
const answer = (c: ProtocolClient, shapeId: string) =>
  c.next((m) => (m.t === 'lock.granted' || m.t === 'lock.denied') && m.shapeId === shapeId) as Promise<
    Of<'lock.granted'> | Of<'lock.denied'>
  >

async function withShapes(c: ProtocolClient, room: string, ids: string[]) {
  for (const id of ids) c.addShape(id)
  await waitFor(() => ids.every((id) => server!.rooms.get(room)?.doc.getMap('shapes').has(id)), 'shapes')
}

async function acquire(c: ProtocolClient, shapeId: string, wait = false) {
  const a = answer(c, shapeId)
  c.send({ t: 'lock.acquire', shapeId, wait })
  return a
}

function awarenessFrame(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, MessageType.Awareness)
  encoding.writeVarUint8Array(e, encodeAwarenessUpdate(entries))
  return encoding.toUint8Array(e)
}

describe('sessions the server vouches for', () => {
  it('welcome names the session; a resume continues it, with its leases, on a new socket', async () => {
    server = await startServer({ leaseTtlMs: 60_000 })
    const ada = await connect('r', { name: 'Ada' })
    expect(ada.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(ada.resume?.startsWith(`${ada.sessionId}.`)).toBe(true)
    await withShapes(ada, 'r', ['s1'])
    const g = await acquire(ada, 's1')
    expect(g.t).toBe('lock.granted')
    const token = (g as Of<'lock.granted'>).token
    // A reconnect while the old socket is not yet seen dead: same session, the lease stays.
    const again = await connect('r', { name: 'Ada', resume: ada.resume! })
    expect(again.sessionId).toBe(ada.sessionId)
    const leases = again.received.find((m) => m.t === 'leases') as Of<'leases'>
    expect(leases.leases).toEqual([expect.objectContaining({ shapeId: 's1', mine: true })])
    ada.terminate()
    await waitFor(() => server!.rooms.get('r')!.conns.size === 1, 'old socket gone')
    again.send({ t: 'lock.renew', shapeId: 's1', token, activity: true })
    expect(await again.next((m) => m.t === 'lock.renewed' || m.t === 'lock.lost')).toMatchObject({
      t: 'lock.renewed',
      token,
    })
    const bo = await connect('r', { name: 'Bo' })
    expect(await acquire(bo, 's1')).toMatchObject({ t: 'lock.denied', holderName: 'Ada' })
  })

  it('a resume survives a server restart on the same data directory', async () => {
    const dataDir = tempDir()
    const runs: Awaited<ReturnType<typeof spawnServer>>[] = []
    cleanups.push(() => {
      for (const r of runs) r.proc.kill('SIGKILL')
    })
    const start = async () => {
      const s = await spawnServer(dataDir, ['--lease-ttl-ms', '60000', '--lease-idle-ms', '60000'])
      runs.push(s)
      return `${s.url.replace(/^http/, 'ws')}/ws`
    }
    let base = await start()
    const ada = await connect('r', { name: 'Ada' }, base)
    ada.addShape('s1')
    const g = await (async () => {
      for (;;) {
        const a = await acquire(ada, 's1')
        if (a.t === 'lock.granted') return a
        // The shape's update may still be on its way.
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    runs[0]!.proc.kill('SIGKILL')
    await runs[0]!.exited
    base = await start()
    const again = await connect('r', { name: 'Ada', resume: ada.resume! }, base)
    expect(again.sessionId).toBe(ada.sessionId)
    again.send({ t: 'lock.renew', shapeId: 's1', token: g.token, activity: true })
    expect(await again.next((m) => m.t === 'lock.renewed' || m.t === 'lock.lost')).toMatchObject({
      t: 'lock.renewed',
      token: g.token,
    })
  })

  it('a wrong resume (forged, or from another room) gets a new session and not the leases', async () => {
    server = await startServer({ leaseTtlMs: 60_000 })
    const ada = await connect('r', { name: 'Ada' })
    await withShapes(ada, 'r', ['s1'])
    const { token } = (await acquire(ada, 's1')) as Of<'lock.granted'>
    const elsewhere = await connect('other', { name: 'Ada' })
    for (const resume of [
      `${ada.sessionId}.${'A'.repeat(43)}`,
      `${ada.sessionId}`,
      elsewhere.resume!.replace(elsewhere.sessionId!, ada.sessionId!),
      elsewhere.resume!,
    ]) {
      const m = await connect('r', { name: 'Mallory', resume })
      expect(m.sessionId).not.toBe(ada.sessionId)
      expect(m.sessionId).not.toBe(elsewhere.sessionId)
      expect((m.received.find((x) => x.t === 'leases') as Of<'leases'>).leases[0]!.mine).toBe(false)
      m.send({ t: 'lock.renew', shapeId: 's1', token, activity: true })
      expect(await m.next((x) => x.t === 'lock.renewed' || x.t === 'lock.lost')).toMatchObject({
        t: 'lock.lost',
      })
      expect(await acquire(m, 's1')).toMatchObject({ t: 'lock.denied', holderName: 'Ada' })
    }
  })

  it('a different second hello on a socket closes it: the session cannot change once set', async () => {
    server = await startServer()
    const ada = await connect('r', { name: 'Ada' })
    const other = await connect('r', { name: 'Bo' })
    ada.send({ t: 'hello', protocol: PROTOCOL_VERSION, name: 'Ada', resume: other.resume! })
    expect(await ada.closed).toEqual({ code: 4400, reason: 'hello sent twice' })
    const renamed = await connect('r', { name: 'Cy' })
    renamed.send({ t: 'hello', protocol: PROTOCOL_VERSION, name: 'Mallory' })
    expect(await renamed.closed).toEqual({ code: 4400, reason: 'hello sent twice' })
  })

  it('the same hello delivered twice is dropped: the socket and its session go on', async () => {
    server = await startServer()
    const ada = await connect('r', { name: 'Ada' })
    const { sessionId } = ada
    ada.send({ t: 'hello', protocol: PROTOCOL_VERSION, name: 'Ada' })
    ada.addShape('s1')
    expect(await acquire(ada, 's1')).toMatchObject({ t: 'lock.granted' })
    expect(ada.received.filter((m) => m.t === 'welcome')).toHaveLength(1)
    expect(ada.sessionId).toBe(sessionId)
    expect(ada.ws.readyState).toBe(ada.ws.OPEN)
  })

  it('lease broadcasts carry no token, and each recipient its own `mine`', async () => {
    server = await startServer({ leaseTtlMs: 60_000 })
    const ada = await connect('r', { name: 'Ada' })
    const bo = await connect('r', { name: 'Bo' })
    await withShapes(ada, 'r', ['s1', 's2'])
    await acquire(ada, 's1')
    await acquire(bo, 's2')
    for (const c of [ada, bo]) {
      await waitFor(() => c.received.filter((m) => m.t === 'leases.changed').length === 2, 'two changes')
    }
    const cy = await connect('r', { name: 'Cy' })
    const mineOf = (c: ProtocolClient) => {
      const seen = new Map<string, boolean>()
      for (const m of c.received) {
        if (m.t === 'leases') for (const l of m.leases) seen.set(l.shapeId, l.mine)
        if (m.t === 'leases.changed') for (const l of m.set) seen.set(l.shapeId, l.mine)
      }
      return Object.fromEntries(seen)
    }
    expect(mineOf(ada)).toEqual({ s1: true, s2: false })
    expect(mineOf(bo)).toEqual({ s1: false, s2: true })
    expect(mineOf(cy)).toEqual({ s1: false, s2: false })
    for (const c of [ada, bo, cy]) {
      for (const m of c.received.filter((x) => x.t === 'leases' || x.t === 'leases.changed')) {
        expect(JSON.stringify(m)).not.toContain('token')
      }
    }
    const s1 = (cy.received.find((m) => m.t === 'leases') as Of<'leases'>).leases.find(
      (l) => l.shapeId === 's1',
    )
    expect(s1?.holderId).toBe(ada.sessionId)
  })

  it('name and colour are normalised once, and what others see in commits, badges and awareness', async () => {
    server = await startServer({ leaseTtlMs: 60_000 })
    const raw = `  \u0007Ada\u202e \n${'x'.repeat(100)}`
    const ada = await connect('r', { name: raw, color: 'red; background: url(x)' })
    const name = normaliseName(raw)
    expect(name).toBe(`Ada ${'x'.repeat(60)}`)
    const conn = [...server.rooms.get('r')!.conns][0]!
    expect(conn.name).toBe(name)
    expect(conn.color).toMatch(/^#[0-9a-f]{6}$/)
    await withShapes(ada, 'r', ['s1', 's2'])
    expect(
      await ada.commit({ ops: [{ shapeId: 's2', field: 'deleted', baseVersion: 0, value: true }] }),
    ).toMatchObject({ status: 'ok' })
    expect(versionedMap(server.rooms.get('r')!.doc).get('s2:deleted')).toMatchObject({ by: name })
    await acquire(ada, 's1')
    const bo = await connect('r', { name: '' })
    expect([...server.rooms.get('r')!.conns].find((c) => c.sessionId === bo.sessionId)!.name).toBe(
      'anonymous',
    )
    const badge = (bo.received.find((m) => m.t === 'leases') as Of<'leases'>).leases[0]!
    expect(badge).toMatchObject({ holderName: name, holderColor: conn.color })
    expect(await acquire(bo, 's1')).toMatchObject({ holderName: name, holderColor: conn.color })
    // Awareness: whatever the client claims as `user` is replaced by the server's stamp.
    ada.ws.send(awarenessFrame([{ clientId: 777, clock: 1, state: { user: { name: 'Admin', color: 'x' } } }]))
    const aw = server.rooms.get('r')!.awareness
    await waitFor(() => aw.getStates().has(777), 'presence')
    expect(aw.getStates().get(777)).toEqual({
      user: { name, color: conn.color, sessionId: ada.sessionId },
    })
    // A valid colour is kept (lower-cased).
    expect(normaliseColor('#ABCDEF', 'x')).toBe('#abcdef')
  })

  it('the same session retrying an opId gets its recorded answer, also after a reconnect with resume', async () => {
    server = await startServer()
    const ada = await connect('r', { name: 'Ada' })
    await withShapes(ada, 'r', ['s1'])
    const req = {
      opId: 'op-retry-0001',
      ops: [{ shapeId: 's1', field: 'deleted' as const, baseVersion: 0, value: true }],
    }
    expect(await ada.commit(req)).toEqual({ status: 'ok', versions: [1] })
    await ada.close()
    const again = await connect('r', { name: 'Ada', resume: ada.resume! })
    expect(await again.commit(req)).toEqual({ status: 'ok', versions: [1] })
    const bo = await connect('r', { name: 'Bo' })
    expect(await bo.commit(req)).toMatchObject({ status: 'conflict', version: 1 })
    expect(server.authority.stats.commits.duplicate).toBe(1)
  })

  it("a commit a closed tab queued is judged as that tab's session when a new tab replays it with its secret", async () => {
    server = await startServer()
    const closedTab = await connect('q', { name: 'Ada' })
    await withShapes(closedTab, 'q', ['s1'])
    const req = {
      opId: 'op-tab-00001',
      ops: [{ shapeId: 's1', field: 'deleted' as const, baseVersion: 0, value: true }],
    }
    expect(await closedTab.commit(req)).toEqual({ status: 'ok', versions: [1] })
    const secret = closedTab.resume!
    await closedTab.close()
    // A new tab is a new session: it proves the old one with its secret and gets its answer.
    const newTab = await connect('q', { name: 'Ada' })
    expect(newTab.sessionId).not.toBe(secret.split('.')[0])
    expect(await newTab.commit({ ...req, as: secret })).toEqual({ status: 'ok', versions: [1] })
    expect(server.authority.stats.commits.duplicate).toBe(1)
    // A forged secret, or none, leaves it the new session's own commit: decided afresh.
    const forged = `${secret.slice(0, -4)}AAAA`
    expect(await newTab.commit({ ...req, as: forged })).toMatchObject({ status: 'conflict', version: 1 })
    expect(server.authority.stats.commits.duplicate).toBe(1)
  })
})

describe('lease hardening', () => {
  it('a lease only for a shape that exists and is not deleted', async () => {
    server = await startServer()
    const ada = await connect('r', { name: 'Ada' })
    expect(await acquire(ada, 'nope')).toMatchObject({ t: 'lock.denied', reason: 'unknown_shape' })
    await withShapes(ada, 'r', ['s1'])
    await ada.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] })
    expect(await acquire(ada, 's1')).toMatchObject({ t: 'lock.denied', reason: 'unknown_shape' })
    expect(server.limits.tripped.lease_unknown_shape).toBe(2)
    expect(ada.received.some((m) => m.t === 'leases.changed')).toBe(false)
  })

  it('a session holds or waits for at most maxLeasesPerSession leases', async () => {
    server = await startServer({ maxLeasesPerSession: 2, leaseTtlMs: 60_000 })
    const ada = await connect('r', { name: 'Ada' })
    const bo = await connect('r', { name: 'Bo' })
    await withShapes(ada, 'r', ['s1', 's2', 's3', 's4'])
    expect((await acquire(ada, 's1')).t).toBe('lock.granted')
    expect((await acquire(bo, 's4')).t).toBe('lock.granted')
    // Waiting counts too.
    expect(await acquire(ada, 's4', true)).toMatchObject({ t: 'lock.denied', position: 1 })
    expect(await acquire(ada, 's2')).toMatchObject({ t: 'lock.denied', reason: 'limit' })
    // Asking again for what it already holds is not a new lease.
    expect((await acquire(ada, 's1')).t).toBe('lock.granted')
    expect(server.limits.tripped.leases_per_session).toBe(1)
    ada.send({ t: 'lock.cancelWait', shapeId: 's4' })
    expect((await acquire(ada, 's2')).t).toBe('lock.granted')
    expect(await acquire(ada, 's3')).toMatchObject({ t: 'lock.denied', reason: 'limit' })
  })
})

describe('awareness rules', () => {
  async function awarenessRoom(config = {}) {
    server = await startServer(config)
    const watcher = stockClient(wsUrl(server), 'aw')
    cleanups.push(() => watcher.destroy())
    await watcher.synced
    const mallory = await connect('aw', { name: 'Mallory' })
    const aw = () => server!.rooms.get('aw')!.awareness.getStates()
    /** Frames are handled in order: once this one is in, every earlier one was handled. */
    const barrier = async (id: number) => {
      mallory.ws.send(awarenessFrame([{ clientId: id, clock: 1, state: { barrier: id } }]))
      await waitFor(() => aw().has(id), `barrier ${id}`)
    }
    return { watcher, mallory, aw, barrier }
  }

  it("a stock client's presence reaches the others, stamped; nobody else may change or remove it", async () => {
    const { watcher, mallory, aw, barrier } = await awarenessRoom()
    const bo = stockClient(wsUrl(server!), 'aw')
    cleanups.push(() => bo.destroy())
    bo.provider.awareness.setLocalStateField('cursor', { x: 1, y: 2 })
    const boId = bo.doc.clientID
    await waitFor(() => watcher.provider.awareness.getStates().has(boId), "Bo's presence at the watcher")
    expect(watcher.provider.awareness.getStates().get(boId)).toMatchObject({
      cursor: { x: 1, y: 2 },
      user: { name: 'anonymous', sessionId: expect.any(String) },
    })
    mallory.ws.send(awarenessFrame([{ clientId: boId, clock: 10_000, state: { cursor: { x: 9, y: 9 } } }]))
    mallory.ws.send(awarenessFrame([{ clientId: boId, clock: 10_001, state: null }]))
    await barrier(1001)
    expect(aw().get(boId)).toMatchObject({ cursor: { x: 1, y: 2 } })
    expect(server!.limits.tripped.awareness_foreign).toBe(2)
    // Its own state a connection may remove.
    mallory.ws.send(awarenessFrame([{ clientId: 1001, clock: 2, state: null }]))
    await waitFor(() => !aw().has(1001), 'own state removed')
  })

  it('an id announced again after its removal stays its announcer’s, and counts against its cap', async () => {
    const { mallory, aw, barrier } = await awarenessRoom({ awarenessMaxIds: 2 })
    mallory.ws.send(awarenessFrame([{ clientId: 7, clock: 1, state: { n: 1 } }]))
    mallory.ws.send(awarenessFrame([{ clientId: 7, clock: 2, state: null }]))
    mallory.ws.send(awarenessFrame([{ clientId: 7, clock: 3, state: { n: 3 } }]))
    await waitFor(() => (aw().get(7) as { n?: number } | undefined)?.n === 3, 'id 7 announced again')
    // Re-announced, it is still Mallory's: another socket cannot take it over...
    const eve = await connect('aw', { name: 'Eve' })
    eve.ws.send(awarenessFrame([{ clientId: 7, clock: 50, state: { n: 'eve' } }]))
    eve.ws.send(awarenessFrame([{ clientId: 20, clock: 1, state: { n: 'eve' } }]))
    await waitFor(() => aw().has(20), "Eve's own id")
    // ...and it counts: with 7 and the barrier's id, Mallory is at her cap of two.
    await barrier(8)
    mallory.ws.send(awarenessFrame([{ clientId: 9, clock: 1, state: { n: 9 } }]))
    mallory.ws.send(awarenessFrame([{ clientId: 7, clock: 4, state: { n: 4 } }]))
    await waitFor(() => (aw().get(7) as { n?: unknown }).n === 4, 'a later update of id 7')
    expect(aw().has(9)).toBe(false)
    expect(server!.limits.tripped.awareness_foreign).toBe(1)
    expect(server!.limits.tripped.awareness_ids).toBe(1)
  })

  it('at most awarenessMaxIds ids per connection', async () => {
    const { mallory, aw, barrier } = await awarenessRoom({ awarenessMaxIds: 3 })
    await barrier(1)
    mallory.ws.send(
      awarenessFrame([2, 3, 4, 5].map((clientId) => ({ clientId, clock: 1, state: { n: clientId } }))),
    )
    await waitFor(() => aw().has(3), 'first ids')
    mallory.ws.send(awarenessFrame([{ clientId: 1, clock: 2, state: { n: 'again' } }]))
    await waitFor(() => (aw().get(1) as { n?: string }).n === 'again', 'update of an own id')
    expect([...aw().keys()].filter((id) => id < 100).sort()).toEqual([1, 2, 3])
    expect(server!.limits.tripped.awareness_ids).toBe(2)
  })

  it('a frame over awarenessMaxBytes is dropped whole', async () => {
    const { mallory, aw, barrier } = await awarenessRoom({ awarenessMaxBytes: 1024 })
    mallory.ws.send(awarenessFrame([{ clientId: 5, clock: 1, state: { blob: 'x'.repeat(2000) } }]))
    await barrier(6)
    expect(aw().has(5)).toBe(false)
    expect(server!.limits.tripped.awareness_size).toBe(1)
  })

  it('frames over the per-connection awareness rate are dropped', async () => {
    const { mallory, aw } = await awarenessRoom({ awarenessPerSec: 1, awarenessBurst: 3 })
    for (let i = 1; i <= 20; i++) {
      mallory.ws.send(awarenessFrame([{ clientId: 9, clock: i, state: { i } }]))
    }
    // An Easel round trip: everything sent before it was handled.
    await mallory.commit({ ops: [{ shapeId: 'none', field: 'deleted', baseVersion: 0, value: true }] })
    expect(server!.limits.tripped.awareness_rate).toBeGreaterThanOrEqual(15)
    expect((aw().get(9) as { i: number }).i).toBeLessThanOrEqual(5)
  })
})

describe('SessionKeys', () => {
  it('accepts only its own resume for the same room', () => {
    const keys = new SessionKeys(new Uint8Array(32).fill(1))
    const other = new SessionKeys(new Uint8Array(32).fill(2))
    const s = keys.issue('r')
    expect(keys.resume('r', s.resume)).toEqual(s)
    expect(keys.resume('r2', s.resume)).toBeNull()
    expect(other.resume('r', s.resume)).toBeNull()
    expect(keys.resume('r', `${s.sessionId}.`)).toBeNull()
    expect(keys.resume('r', 'no-dot')).toBeNull()
    expect(keys.issue('r').sessionId).not.toBe(s.sessionId)
  })
})
