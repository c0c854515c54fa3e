import * as encoding from 'lib0/encoding'
import { afterEach } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { CloseCode, MessageType, shapesMap } from '@easel/shared'
import { newOpId, ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import type { EaselServer } from '../src/index.ts'
import { wsUrl } from './helpers.ts'

/** The admin token of these tests' servers. */
export const ADMIN = 'admin-token-0123456789'

/** A test's server and clients, terminated and closed after each test. */
export function serverPerTest(): { server: EaselServer | undefined; clients: ProtocolClient[] } {
  const t: { server: EaselServer | undefined; clients: ProtocolClient[] } = { server: undefined, clients: [] }
  afterEach(async () => {
    for (const c of t.clients.splice(0)) c.terminate()
    await t.server?.close()
    t.server = undefined
  })
  return t
}

/** What {@link scriptedSession} does, and so what the counters must show afterwards. */
export const SCRIPT = {
  room: 'observed',
  hotShape: 's1',
  ok: 3,
  conflicts: 2,
  duplicates: 1,
  refused: 1,
  /** Lease grants in all, and how many of them waited in the queue. */
  grants: 3,
  leaseWaits: 2,
  /** Denials: two queued behind the holder, one for a shape that does not exist. */
  deniedHeld: 2,
  deniedUnknown: 1,
  released: 2,
  /** One frame refused by the shape schema (4415, limit `schema`). */
  schemaRefusals: 1,
} as const

/**
 * A scripted session on a real server: {@link SCRIPT}'s commits (on `locked` of `s1`), lease waits
 * on `s1`, a lease asked for a missing shape (limit `lease_unknown_shape`) and a frame the shape
 * schema refuses (4415). Returns the clients still open (the caller closes them).
 */
export async function scriptedSession(server: EaselServer): Promise<ProtocolClient[]> {
  const base = wsUrl(server)
  const [a, b] = await Promise.all([
    ProtocolClient.connect(base, SCRIPT.room, { name: 'Ada' }),
    ProtocolClient.connect(base, SCRIPT.room, { name: 'Bo' }),
  ])
  a!.addShape('s1')
  a!.addShape('s2')
  await waitFor(() => shapesMap(b!.doc).has('s2'), 'shapes reach the other client')
  await waitFor(() => shapesMap(server.rooms.get(SCRIPT.room)!.doc).has('s2'), 'shapes on the server')

  const locked = (baseVersion: number, value: boolean) => ({
    ops: [{ shapeId: 's1', field: 'locked' as const, baseVersion, value }],
  })
  const must = (r: { status: string }, status: string) => {
    if (r.status !== status) throw new Error(`expected ${status}, got ${JSON.stringify(r)}`)
  }
  const firstOpId = newOpId()
  must(await a!.commit({ ...locked(0, true), opId: firstOpId }), 'ok')
  must(await a!.commit(locked(1, false)), 'ok')
  must(await a!.commit(locked(2, true)), 'ok')
  // Bo saw version 0: both of his tries lose the race.
  must(await b!.commit(locked(0, false)), 'conflict')
  must(await b!.commit(locked(1, false)), 'conflict')
  // A retry of the first commit gets its recorded answer.
  must(await a!.commit({ ...locked(0, true), opId: firstOpId }), 'ok')
  must(
    await a!.commit({ ops: [{ shapeId: 'missing', field: 'locked', baseVersion: 0, value: true }] }),
    'error',
  )

  // Leases: Ada holds s1, Bo waits for it; Bo holds it, Ada waits for it.
  const grant = (c: ProtocolClient) => c.next((m) => m.t === 'lock.granted' && m.shapeId === 's1')
  const queued = (c: ProtocolClient) => c.next((m) => m.t === 'lock.denied' && m.position === 1)
  let g = grant(a!)
  a!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
  const aToken = ((await g) as { token: number }).token
  let q = queued(b!)
  g = grant(b!)
  b!.send({ t: 'lock.acquire', shapeId: 's1', wait: true })
  await q
  a!.send({ t: 'lock.release', shapeId: 's1', token: aToken })
  const bToken = ((await g) as { token: number }).token
  q = queued(a!)
  g = grant(a!)
  a!.send({ t: 'lock.acquire', shapeId: 's1', wait: true })
  await q
  b!.send({ t: 'lock.release', shapeId: 's1', token: bToken })
  await g
  const unknown = a!.next((m) => m.t === 'lock.denied' && m.shapeId === 'nope')
  a!.send({ t: 'lock.acquire', shapeId: 'nope', wait: false })
  await unknown

  // A third client writes a value the shape schema refuses: its socket is closed 4415.
  const c = await ProtocolClient.connect(base, SCRIPT.room, { name: 'Cy' })
  await waitFor(() => shapesMap(c.doc).has('s2'), 'shapes reach the third client')
  const bad = new Y.Doc()
  Y.applyUpdate(bad, Y.encodeStateAsUpdate(c.doc))
  const before = Y.encodeStateVector(bad)
  shapesMap(bad).get('s2')!.set('createdBy', 'x'.repeat(200))
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(bad, before))
  c.ws.send(encoding.toUint8Array(encoder))
  const { code } = await c.closed
  if (code !== CloseCode.InvalidContent) throw new Error(`expected 4415, got ${code}`)
  return [a!, b!]
}

/**
 * Samples of a Prometheus text exposition, by series (`name` or `name{label="value"}`, labels as
 * written). Checks the format as it goes: every sample's metric has a TYPE line.
 */
export function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>()
  const typed = new Set<string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) typed.add(type[1]!)
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a sample line: ${line}`)
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '')
    if (!typed.has(m[1]!) && !typed.has(family)) throw new Error(`no TYPE for ${m[1]}`)
    series.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]))
  }
  return series
}
