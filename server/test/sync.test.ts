import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, MessageType } from '@easel/shared'
import type { EaselServer } from '../src/index.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { closeCode, rawSocket, startServer, stockClient, wsUrl } from './helpers.ts'

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

describe('stock y-websocket clients', () => {
  it('two stock providers converge on a room, both directions', async () => {
    server = await startServer()
    const a = client('room-a')
    const b = client('room-a')
    await Promise.all([a.synced, b.synced])
    a.doc.getMap('m').set('from-a', 1)
    b.doc.getArray('list').push(['from-b'])
    await waitFor(() => b.doc.getMap('m').get('from-a') === 1, 'b to see a')
    await waitFor(() => a.doc.getArray('list').length === 1, 'a to see b')
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc))
    expect(a.doc.getMap('m').toJSON()).toEqual(b.doc.getMap('m').toJSON())
  })

  it('a late joiner receives the whole document and others’ awareness', async () => {
    server = await startServer()
    const a = client('late')
    await a.synced
    const text = a.doc.getText('t')
    for (let i = 0; i < 50; i++) text.insert(text.length, `${i},`)
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    await waitFor(
      () => server.rooms.get('late')?.doc.getText('t').length === text.length,
      'server to have it',
    )
    const b = client('late')
    await b.synced
    expect(b.doc.getText('t').toString()).toBe(text.toString())
    await waitFor(
      () => [...b.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Ada'),
      'awareness of a',
    )
  })

  it('rooms are isolated', async () => {
    server = await startServer()
    const a = client('iso-1')
    const b = client('iso-2')
    await Promise.all([a.synced, b.synced])
    a.doc.getMap('m').set('k', 'v')
    await waitFor(() => server.rooms.get('iso-1')?.doc.getMap('m').get('k') === 'v', 'server')
    expect(b.doc.getMap('m').size).toBe(0)
  })

  it('awareness of a closed connection is removed at once', async () => {
    server = await startServer()
    const a = client('aw')
    const b = client('aw')
    await Promise.all([a.synced, b.synced])
    a.provider.awareness.setLocalStateField('cursor', { x: 1, y: 2 })
    await waitFor(() => b.provider.awareness.getStates().has(a.doc.clientID), 'b sees a')
    // Cut a's socket without the polite "I'm leaving" awareness message.
    a.provider.shouldConnect = false
    a.provider.ws?.close()
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), 'a removed')
  })
})

describe('room lifecycle', () => {
  it('an idle room is unloaded when its last connection leaves, and reloads with its content', async () => {
    server = await startServer()
    const a = client('idle')
    await a.synced
    a.doc.getMap('m').set('kept', true)
    await waitFor(() => server.rooms.get('idle')?.doc.getMap('m').get('kept') === true, 'server')
    expect(server.rooms.size).toBe(1)
    a.destroy()
    await waitFor(() => server.rooms.size === 0, 'room unload')
    const stats = await (await fetch(`${server.url}/api/stats`)).json()
    expect(stats.rooms).toBe(0)
    const b = client('idle')
    await b.synced
    expect(b.doc.getMap('m').get('kept')).toBe(true)
  })

  it('compacts the update log into a snapshot past the threshold without losing anything', async () => {
    server = await startServer({ compactAfter: 20 })
    const a = client('compact')
    await a.synced
    const arr = a.doc.getArray<number>('a')
    for (let i = 0; i < 75; i++) arr.push([i])
    await waitFor(() => server.rooms.get('compact')?.doc.getArray('a').length === 75, 'server')
    await waitFor(() => server.persistence.logLength('compact') < 20, 'compaction')
    a.destroy()
    await waitFor(() => server.rooms.size === 0, 'unload')
    expect(server.persistence.logLength('compact')).toBe(0)
    expect(server.persistence.load('compact')).toHaveLength(1)
    const b = client('compact')
    await b.synced
    expect(b.doc.getArray('a').toArray()).toEqual([...Array(75).keys()])
  })
})

describe('bad input', () => {
  it('closes an oversized frame with 1009 and keeps serving other rooms and sockets', async () => {
    server = await startServer({ maxPayload: 64 * 1024 })
    const other = client('other')
    const sameRoom = client('big')
    await Promise.all([other.synced, sameRoom.synced])
    const ws = await rawSocket(wsUrl(server), 'big')
    const closed = closeCode(ws)
    ws.send(new Uint8Array(200 * 1024))
    expect((await closed).code).toBe(CloseCode.MessageTooBig)
    other.doc.getMap('m').set('still', 'alive')
    await waitFor(() => server.rooms.get('other')?.doc.getMap('m').get('still') === 'alive', 'other room')
    sameRoom.doc.getMap('m').set('same', 'room')
    await waitFor(() => server.rooms.get('big')?.doc.getMap('m').get('same') === 'room', 'same room')
    expect(sameRoom.provider.wsconnected).toBe(true)
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
      server = await startServer()
      const a = client('g')
      await a.synced
      a.doc.getMap('m').set('before', 1)
      await waitFor(() => server.rooms.get('g')?.doc.getMap('m').get('before') === 1, 'server')
      const ws = await rawSocket(wsUrl(server), 'g')
      const closed = closeCode(ws)
      ws.send(frame)
      expect((await closed).code).toBe(CloseCode.MalformedMessage)
      a.doc.getMap('m').set('after', 2)
      await waitFor(() => server.rooms.get('g')?.doc.getMap('m').get('after') === 2, 'room still works')
      expect(server.rooms.get('g')!.doc.getMap('m').toJSON()).toEqual({ before: 1, after: 2 })
    })
  }

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

  it('refuses a plain Yjs update to server-only state with 4409 and stores nothing', async () => {
    server = await startServer()
    const honest = client('prot')
    await honest.synced
    // A hostile client edits the server-written `versioned` root directly.
    const doc = new Y.Doc()
    doc.getMap('versioned').set('s1:text', { version: 99, value: 'hijacked', by: 'x', at: 0 })
    const ws = await rawSocket(wsUrl(server), 'prot')
    const closed = closeCode(ws)
    const enc = encoding.createEncoder()
    encoding.writeVarUint(enc, MessageType.Sync)
    encoding.writeVarUint(enc, 2)
    encoding.writeVarUint8Array(enc, Y.encodeStateAsUpdate(doc))
    ws.send(encoding.toUint8Array(enc))
    expect((await closed).code).toBe(CloseCode.ProtectedState)
    expect(server.rooms.get('prot')!.doc.getMap('versioned').size).toBe(0)
    expect(honest.doc.getMap('versioned').size).toBe(0)
  })
})
