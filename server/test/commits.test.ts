import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { readShapes, versionedMap } from '@easel/shared'
import { type EaselServer, SqliteAuthority, SqlitePersistence } from '../src/index.ts'
import { newOpId, ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { startServer, wsUrl } from './helpers.ts'

let server: EaselServer | undefined
const clients: ProtocolClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await server?.close()
  server = undefined
})

async function connect(room: string, name = 'tester', opts: { hello?: boolean; resume?: string } = {}) {
  const c = await ProtocolClient.connect(wsUrl(server!), room, { name, ...opts })
  clients.push(c)
  return c
}

/** A room with one rectangle `s1` that every client has synced. */
async function roomWithShape(room: string, names: string[]) {
  const [first, ...rest] = await Promise.all(names.map((n) => connect(room, n)))
  first!.addShape('s1')
  await waitFor(() => server!.rooms.get(room)?.doc.getMap('shapes').has('s1') === true, 'shape on server')
  for (const c of rest) await waitFor(() => c.doc.getMap('shapes').has('s1'), 'shape on clients')
  return [first!, ...rest]
}

describe('versioned commits over the wire', () => {
  it('two writers at the same base version: exactly one wins, the other gets the winner’s value', async () => {
    server = await startServer()
    const [a, b] = await roomWithShape('race', ['Ada', 'Bo'])
    const op = (value: { start: null; end: string | null }) => ({
      ops: [{ shapeId: 's1', field: 'binding' as const, baseVersion: 0, value }],
    })
    a!.addShape('s2')
    a!.addShape('s3')
    await waitFor(() => server!.rooms.get('race')!.doc.getMap('shapes').size === 3, 'shapes')
    const [ra, rb] = await Promise.all([
      a!.commit(op({ start: null, end: 's2' })),
      b!.commit(op({ start: null, end: 's3' })),
    ])
    const results = [ra, rb]
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1)
    const loser = results.find((r) => r.status === 'conflict')!
    const winnerValue = ra.status === 'ok' ? { start: null, end: 's2' } : { start: null, end: 's3' }
    expect(loser).toMatchObject({
      status: 'conflict',
      version: 1,
      value: winnerValue,
      by: ra.status === 'ok' ? 'Ada' : 'Bo',
    })
    // Both documents show the winner's value, live.
    for (const c of [a!, b!]) {
      await waitFor(() => readShapes(c.doc).shapes[0]?.versions.binding === 1, 'projection')
      expect(readShapes(c.doc).shapes.find((s) => s.id === 's1')!.binding).toEqual(winnerValue)
    }
  })

  it('50 concurrent writers on one field: version = number of oks, nothing lost or doubled', async () => {
    server = await startServer()
    const room = 'hot'
    const writers = await roomWithShape(
      room,
      Array.from({ length: 50 }, (_, i) => `w${i}`),
    )
    const oks: { version: number; tag: string }[] = []
    let conflicts = 0
    const s = server.rooms.get(room)!.doc
    writers[0]!.addShape('t1')
    await waitFor(() => s.getMap('shapes').has('t1'), 'target')
    // Every writer binds the arrow `s1` twice, retrying on conflict from the version it was told.
    await Promise.all(
      writers.map(async (w, i) => {
        let base = 0
        for (let k = 0; k < 2; k++) {
          const tag = `w${i}-${k}`
          const value = k === 0 ? { start: 't1', end: null } : { start: null, end: 't1' }
          for (;;) {
            const r = await w.commit({ ops: [{ shapeId: 's1', field: 'binding', baseVersion: base, value }] })
            if (r.status === 'ok') {
              oks.push({ version: r.versions[0]!, tag })
              base = r.versions[0]!
              break
            }
            if (r.status !== 'conflict') throw new Error(JSON.stringify(r))
            conflicts++
            base = r.version
          }
        }
      }),
    )
    const versions = oks.map((o) => o.version).sort((x, y) => x - y)
    expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    const entry = versionedMap(s).get('s1:binding') as { version: number }
    expect(entry.version).toBe(100)
    expect(server.authority.stats.commits.ok).toBe(100)
    expect(conflicts).toBeGreaterThan(0)
  })

  it('text changes need the shape’s lease: refused with stale_token, nothing changed', async () => {
    server = await startServer()
    const [a] = await roomWithShape('text', ['Ada'])
    // The first value of an unheld shape's text is allowed (a pasted note), guarded by version 0.
    expect(
      await a!.commit({ ops: [{ shapeId: 's1', field: 'text', baseVersion: 0, value: 'pasted' }] }),
    ).toEqual({
      status: 'ok',
      versions: [1],
    })
    const r = await a!.commit({ ops: [{ shapeId: 's1', field: 'text', baseVersion: 1, value: 'hi' }] })
    expect(r).toMatchObject({ status: 'error', code: 'stale_token' })
    const entry = versionedMap(server.rooms.get('text')!.doc).get('s1:text') as {
      version: number
      value: string
    }
    expect(entry).toMatchObject({ version: 1, value: 'pasted' })
  })

  it('a retried opId is applied once and answered the same, also after a restart', async () => {
    const dataDir = tempDir()
    server = await startServer({ dataDir })
    const [a] = await roomWithShape('retry', ['Ada'])
    const opId = newOpId()
    const req = { opId, ops: [{ shapeId: 's1', field: 'deleted' as const, baseVersion: 0, value: true }] }
    const first = await a!.commit(req)
    expect(first).toEqual({ status: 'ok', versions: [1] })
    expect(await a!.commit(req)).toEqual(first)
    a!.close()
    await server.close()

    server = await startServer({ dataDir })
    // The same session (records are per session), continued after the restart.
    const b = await connect('retry', 'Ada', { resume: a!.resume! })
    expect(await b.commit(req)).toEqual(first)
    // Applied once: still version 1, and the shape reads as deleted.
    await waitFor(() => readShapes(b.doc).shapes.length === 1, 'synced')
    expect(readShapes(b.doc).shapes[0]).toMatchObject({ deleted: true, versions: { deleted: 1 } })
    // The same opId with another payload is an error and changes nothing.
    const other = await b.commit({ ...req, ops: [{ ...req.ops[0]!, value: false }] })
    expect(other).toMatchObject({ status: 'error', code: 'opid_reused' })
    expect(server.authority.stats.commits.duplicate).toBe(1)
    expect(
      (versionedMap(server.rooms.get('retry')!.doc).get('s1:deleted') as { version: number }).version,
    ).toBe(1)
  })

  it('a delete conflicts when the binding it saw changed meanwhile, reporting who changed it', async () => {
    server = await startServer()
    const [a, b] = await roomWithShape('del', ['Ada', 'Bo'])
    a!.addShape('t1')
    await waitFor(() => server!.rooms.get('del')!.doc.getMap('shapes').has('t1'), 'target')
    // Bo binds the arrow; Ada deletes it having seen binding version 0.
    expect(
      await b!.commit({
        ops: [{ shapeId: 's1', field: 'binding', baseVersion: 0, value: { start: 't1', end: null } }],
      }),
    ).toMatchObject({ status: 'ok' })
    const r = await a!.commit({
      ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }],
      expect: [{ shapeId: 's1', field: 'binding', version: 0 }],
    })
    expect(r).toMatchObject({
      status: 'conflict',
      field: 'binding',
      by: 'Bo',
      value: { start: 't1', end: null },
    })
    expect(readShapes(server.rooms.get('del')!.doc).shapes.find((s) => s.id === 's1')!.deleted).toBe(false)
  })

  it('commits to unknown shapes and malformed commits get clear answers', async () => {
    server = await startServer()
    const [a] = await roomWithShape('bad', ['Ada'])
    expect(
      await a!.commit({ ops: [{ shapeId: 'ghost', field: 'deleted', baseVersion: 0, value: true }] }),
    ).toMatchObject({
      status: 'error',
      code: 'unknown_shape',
    })
    expect(
      await a!.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: 'yes' }] }),
    ).toMatchObject({
      code: 'invalid_value',
    })
    // A commit that does not match the schema closes the socket as malformed.
    a!.ws.send(Buffer.from([100, 20, ...Buffer.from('{"t":"commit","x":1}')]))
    expect((await a!.closed).code).toBe(4400)
  })

  it('committed values reach clients that join later; clients without hello get no Easel messages', async () => {
    server = await startServer()
    const stock = await connect('late', 'stock', { hello: false })
    const [a] = await roomWithShape('late', ['Ada'])
    await a!.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] })
    const late = await connect('late', 'Late')
    await waitFor(() => readShapes(late.doc).shapes[0]?.deleted === true, 'late joiner sees deletion')
    await waitFor(() => readShapes(stock.doc).shapes[0]?.deleted === true, 'stock client sees it in the doc')
    expect(stock.received).toEqual([])
  })

  it('the projection is rebuilt from the authority if the document missed it', async () => {
    const dataDir = tempDir()
    server = await startServer({ dataDir })
    const [a] = await roomWithShape('rebuild', ['Ada'])
    await a!.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] })
    a!.close()
    await waitFor(() => server!.rooms.size === 0, 'unload')
    // Simulate a crash between storing the commit and storing its projection: drop the doc's
    // view of it by rewriting the room's stored document without the versioned map.
    const doc = new Y.Doc()
    for (const u of await server.persistence.load('rebuild')) Y.applyUpdate(doc, u)
    const clean = new Y.Doc()
    const shapes = clean.getMap('shapes')
    for (const [id, m] of doc.getMap<Y.Map<unknown>>('shapes')) {
      const copy = new Y.Map<unknown>()
      shapes.set(id, copy)
      for (const [k, v] of m) copy.set(k, v)
    }
    const db = (server.persistence as SqlitePersistence).db
    db.prepare('DELETE FROM room_snapshot WHERE room = ?').run('rebuild')
    db.prepare('DELETE FROM room_update WHERE room = ?').run('rebuild')
    await server.persistence.append('rebuild', Y.encodeStateAsUpdate(clean))
    const b = await connect('rebuild', 'Bo')
    await waitFor(() => readShapes(b.doc).shapes[0]?.deleted === true, 'projection rebuilt')
  })

  it('a commit’s value is stored as the schema parsed it: unknown keys never reach the document or SQLite', async () => {
    const dataDir = tempDir()
    server = await startServer({ dataDir })
    const [a] = await roomWithShape('junk', ['Ada'])
    const value = { start: null, end: null, junk: 'x'.repeat(200_000) }
    expect(await a!.commit({ ops: [{ shapeId: 's1', field: 'binding', baseVersion: 0, value }] })).toEqual({
      status: 'ok',
      versions: [1],
    })
    const stored = () =>
      (versionedMap(server!.rooms.get('junk')!.doc).get('s1:binding') as { value: unknown }).value
    expect(stored()).toEqual({ start: null, end: null })
    await waitFor(() => versionedMap(a!.doc).has('s1:binding'), 'projection')
    expect((versionedMap(a!.doc).get('s1:binding') as { value: unknown }).value).toEqual({
      start: null,
      end: null,
    })
    expect(server.rooms.get('junk')!.docBytes).toBeLessThan(100_000)
    for (const c of clients.splice(0)) c.close()
    await waitFor(() => server!.rooms.size === 0, 'the room unloaded')
    await server.close()
    server = await startServer({ dataDir })
    const b = await connect('junk', 'Bo')
    expect((versionedMap(b.doc).get('s1:binding') as { value: unknown }).value).toEqual({
      start: null,
      end: null,
    })
    b.close()
    await server.close()
    server = undefined
    const sqlite = new SqlitePersistence(path.join(dataDir, 'easel.sqlite'))
    try {
      const states = await new SqliteAuthority(sqlite.db, { ttlMs: 10_000, idleMs: 30_000 }).fieldStates(
        'junk',
      )
      expect(states.get('s1:binding')!.value).toEqual({ start: null, end: null })
    } finally {
      sqlite.close()
    }
  })

  it('a commit that would pass maxDocBytes is refused with too_large, counted, and nothing is stored', async () => {
    const dataDir = tempDir()
    server = await startServer({ dataDir, maxDocBytes: 8 * 1024 })
    const [a] = await roomWithShape('full', ['Ada'])
    const room = server.rooms.get('full')!
    const before = Y.encodeStateVector(room.doc)
    const big = await a!.commit({
      ops: [{ shapeId: 's1', field: 'text', baseVersion: 0, value: 'x'.repeat(10_000) }],
    })
    expect(big).toMatchObject({ status: 'error', code: 'too_large' })
    expect(server.limits.tripped.doc_size).toBe(1)
    expect(server.authority.stats.commits.error).toBe(1)
    await room.idle()
    expect(Y.encodeStateVector(room.doc)).toEqual(before)
    expect(versionedMap(room.doc).has('s1:text')).toBe(false)
    // The socket stays; a commit that fits still applies.
    expect(
      await a!.commit({ ops: [{ shapeId: 's1', field: 'text', baseVersion: 0, value: 'small' }] }),
    ).toEqual({
      status: 'ok',
      versions: [1],
    })
    for (const c of clients.splice(0)) c.close()
    await waitFor(() => server!.rooms.size === 0, 'the room unloaded')
    await server.close()
    server = undefined
    const sqlite = new SqlitePersistence(path.join(dataDir, 'easel.sqlite'))
    try {
      const states = await new SqliteAuthority(sqlite.db, { ttlMs: 10_000, idleMs: 30_000 }).fieldStates(
        'full',
      )
      expect(states.get('s1:text')!.value).toBe('small')
      expect(states.get('s1:text')!.version).toBe(1)
    } finally {
      sqlite.close()
    }
  })
})
