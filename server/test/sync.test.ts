import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, insertShape, MessageType, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import type { EaselServer } from '../src/index.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { closeCode, rawSocket, startServer, stockClient, wsUrl } from './helpers.ts'
import { MemoryServer } from './memoryRoom.ts'

/** Writes a valid shape `id` at `x`, as the editor writes one (the server refuses other content). */
const put = (doc: Y.Doc, id: string, x: number) => insertShape(doc, id, { ...RECT, x })
/** The `x` of shape `id`, or undefined. */
const xOf = (doc: Y.Doc, id: string) => shapesMap(doc).get(id)?.get('x')
/** Shape id to `x`, for comparing documents. */
const xs = (doc: Y.Doc) => Object.fromEntries([...shapesMap(doc)].map(([id, m]) => [id, m.get('x')]))

describe('sync in a room (in-memory sockets)', () => {
  it('two clients converge on a room, both directions', async () => {
    const server = new MemoryServer()
    const a = await server.connect('room-a', { hello: false })
    const b = await server.connect('room-a', { hello: false })
    put(a.doc, 'from-a', 1)
    put(b.doc, 'from-b', 2)
    await server.settle()
    expect(xOf(b.doc, 'from-a')).toBe(1)
    expect(xOf(a.doc, 'from-b')).toBe(2)
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc))
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(server.rooms.get('room-a')!.doc))
  })

  it('a late joiner receives the whole document and others’ awareness', async () => {
    const server = new MemoryServer()
    const a = await server.connect('late', { name: 'Ada' })
    for (let i = 0; i < 50; i++) put(a.doc, `s${i}`, i)
    const s0 = shapesMap(a.doc).get('s0')!
    for (let i = 0; i < 50; i++) s0.set('y', i)
    // The `user` others see is the server's stamp of the connection, whatever the client wrote.
    a.awareness.setLocalStateField('user', { name: 'Eve' })
    await server.settle()
    const b = await server.connect('late')
    expect(xs(b.doc)).toEqual(xs(a.doc))
    expect(shapesMap(b.doc).get('s0')?.get('y')).toBe(49)
    expect(b.awareness.getStates().get(a.doc.clientID)).toMatchObject({ user: { name: 'Ada' } })
  })

  it('rooms are isolated', async () => {
    const server = new MemoryServer()
    const a = await server.connect('iso-1')
    const b = await server.connect('iso-2')
    put(a.doc, 'k', 7)
    await server.settle()
    expect(xOf(server.rooms.get('iso-1')!.doc, 'k')).toBe(7)
    expect(shapesMap(server.rooms.get('iso-2')!.doc).size).toBe(0)
    expect(shapesMap(b.doc).size).toBe(0)
  })

  it('awareness of a closed connection is removed at once', async () => {
    const server = new MemoryServer()
    const a = await server.connect('aw')
    const b = await server.connect('aw')
    a.awareness.setLocalStateField('cursor', { x: 1, y: 2 })
    await server.settle()
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(true)
    // Cut a's socket without the polite "I'm leaving" awareness message.
    a.close()
    await server.settle()
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false)
  })

  it('a plain Yjs update to server-only state is refused with 4409 and stores nothing', async () => {
    const server = new MemoryServer()
    const honest = await server.connect('prot')
    const attacker = await server.connect('prot', { hello: false })
    // A hostile client edits the server-written `versioned` root directly.
    attacker.doc.getMap('versioned').set('s1:text', { version: 99, value: 'hijacked', by: 'x', at: 0 })
    await server.settle()
    expect(attacker.closedBy?.code).toBe(CloseCode.ProtectedState)
    expect(server.rooms.get('prot')!.doc.getMap('versioned').size).toBe(0)
    expect(honest.doc.getMap('versioned').size).toBe(0)
    const stored = new Y.Doc()
    for (const u of await server.persistence.load('prot')) Y.applyUpdate(stored, u)
    expect(stored.getMap('versioned').size).toBe(0)
  })

  const garbage: [string, Uint8Array][] = [
    ['an unknown message type', Uint8Array.of(77, 1, 2, 3)],
    ['an empty frame', new Uint8Array(0)],
    ['a truncated sync message', Uint8Array.of(MessageType.Sync)],
    ['an unknown sync step', Uint8Array.of(MessageType.Sync, 9, 0)],
    ['a random Yjs update', Uint8Array.of(MessageType.Sync, 2, 6, 200, 1, 255, 255, 255, 7)],
    ['bad awareness', Uint8Array.of(MessageType.Awareness, 3, 1, 2, 3)],
    ['easel frame without JSON', Uint8Array.of(MessageType.Easel, 3, 120, 121, 122)],
  ]
  for (const [what, frame] of garbage) {
    it(`closes ${what} with 4400 and leaves the room intact`, async () => {
      const server = new MemoryServer()
      const a = await server.connect('g')
      put(a.doc, 'before', 1)
      const bad = await server.connect('g', { hello: false })
      bad.sendRaw(frame)
      await server.settle()
      expect(bad.closedBy?.code).toBe(CloseCode.MalformedMessage)
      put(a.doc, 'after', 2)
      await server.settle()
      expect(xs(server.rooms.get('g')!.doc)).toEqual({ before: 1, after: 2 })
      expect(a.open).toBe(true)
    })
  }
})

describe('room lifecycle (in-memory sockets)', () => {
  it('an idle room is unloaded when its last connection leaves, and reloads with its content', async () => {
    const server = new MemoryServer()
    const a = await server.connect('idle')
    put(a.doc, 'kept', 3)
    await server.settle()
    expect(server.rooms.size).toBe(1)
    a.close()
    await server.quiet()
    expect(server.rooms.size).toBe(0)
    const b = await server.connect('idle')
    expect(xOf(b.doc, 'kept')).toBe(3)
  })

  it('compacts the update log into a snapshot past the threshold without losing anything', async () => {
    const server = new MemoryServer({ compactAfter: 20 })
    const a = await server.connect('compact')
    for (let i = 0; i < 75; i++) {
      put(a.doc, `s${i}`, i)
      await server.settle()
      expect(await server.persistence.logLength('compact')).toBeLessThan(20)
    }
    expect(shapesMap(server.rooms.get('compact')!.doc).size).toBe(75)
    a.close()
    await server.quiet()
    expect(server.rooms.size).toBe(0)
    expect(await server.persistence.logLength('compact')).toBe(0)
    expect(await server.persistence.load('compact')).toHaveLength(1)
    const b = await server.connect('compact')
    expect(Object.values(xs(b.doc)).sort((p, q) => Number(p) - Number(q))).toEqual([...Array(75).keys()])
  })
})

describe('the network path (real sockets)', () => {
  let server: EaselServer
  const cleanups: (() => void)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c()
    await server?.close()
  })

  function client(room: string) {
    const c = stockClient(wsUrl(server), room)
    cleanups.push(c.destroy)
    return c
  }

  it('two stock providers converge on a room; the room unloads when they leave', async () => {
    const adminToken = 'sync-test-admin-token'
    server = await startServer({ adminToken })
    const a = client('room-a')
    const b = client('room-a')
    await Promise.all([a.synced, b.synced])
    put(a.doc, 'from-a', 1)
    put(b.doc, 'from-b', 2)
    await waitFor(() => xOf(b.doc, 'from-a') === 1, 'b to see a')
    await waitFor(() => xOf(a.doc, 'from-b') === 2, 'a to see b')
    expect(xs(a.doc)).toEqual(xs(b.doc))
    a.destroy()
    b.destroy()
    await waitFor(() => server.rooms.size === 0, 'room unload')
    const stats = await (
      await fetch(`${server.url}/api/stats`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).json()
    expect(stats.rooms).toBe(0)
    const c = client('room-a')
    await c.synced
    expect(xOf(c.doc, 'from-a')).toBe(1)
  })

  it('closes an oversized frame with 1009 and keeps serving other rooms and sockets', async () => {
    server = await startServer({ maxPayload: 64 * 1024 })
    const other = client('other')
    const sameRoom = client('big')
    await Promise.all([other.synced, sameRoom.synced])
    const ws = await rawSocket(wsUrl(server), 'big')
    const closed = closeCode(ws)
    ws.send(new Uint8Array(200 * 1024))
    expect((await closed).code).toBe(CloseCode.MessageTooBig)
    put(other.doc, 'still', 1)
    await waitFor(() => xOf(server.rooms.get('other')!.doc, 'still') === 1, 'other room')
    put(sameRoom.doc, 'same', 2)
    await waitFor(() => xOf(server.rooms.get('big')!.doc, 'same') === 2, 'same room')
    expect(sameRoom.provider.wsconnected).toBe(true)
  })

  it('refuses text frames and invalid room ids with named codes', async () => {
    server = await startServer()
    const ws = await rawSocket(wsUrl(server), 'ok-room')
    const closed = closeCode(ws)
    ws.send('hello')
    expect((await closed).code).toBe(CloseCode.MalformedMessage)
    const bad = await rawSocket(wsUrl(server), 'bad%20room!')
    expect((await closeCode(bad)).code).toBe(CloseCode.InvalidRoom)
  })

  it('closes a flooding connection with 4429', async () => {
    server = await startServer({ rateLimitPerSec: 10, rateLimitBurst: 20 })
    const ws = await rawSocket(wsUrl(server), 'flood')
    const closed = closeCode(ws)
    const enc = encoding.createEncoder()
    encoding.writeVarUint(enc, MessageType.QueryAwareness)
    const frame = encoding.toUint8Array(enc)
    for (let i = 0; i < 100; i++) ws.send(frame)
    expect((await closed).code).toBe(CloseCode.RateLimited)
  })

  it('a garbage frame on a real socket is closed with 4400', async () => {
    server = await startServer()
    const ws = await rawSocket(wsUrl(server), 'g')
    const closed = closeCode(ws)
    ws.send(Uint8Array.of(77, 1, 2, 3))
    expect((await closed).code).toBe(CloseCode.MalformedMessage)
  })
})
