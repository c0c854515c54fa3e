/**
 * Regression tests for the lifecycle findings: reconnects and reloads after versioned commits,
 * removals smuggled past the delete set, malformed upgrade URLs, rooms that fail to load or
 * store, and updates that cannot be integrated.
 */
import net from 'node:net'
import path from 'node:path'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { CloseCode, insertShape, MessageType, versionedMap } from '@easel/shared'
import { type EaselServer, MemoryPersistence } from '../src/index.ts'
import { SqlitePersistence } from '../src/persistence/SqlitePersistence.ts'
import { MAX_UNRESOLVED_UPDATES } from '../src/ClientFrames.ts'
import { ProtocolClient, RECT } from '@easel/testkit/protocolClient.ts'
import { freePort, tempDir } from '@easel/testkit/serverProcess.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { closeCode, rawSocket, startServer, stockClient, wsUrl } from './helpers.ts'
import { MemoryServer } from './memoryRoom.ts'
import { encodeItems, withoutDeletes } from './yjsForge.ts'

let server: EaselServer | undefined
const cleanups: (() => void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) c()
  await server?.close()
  server = undefined
})

async function connect(room: string, opts: Parameters<typeof ProtocolClient.connect>[2] = {}) {
  const c = await ProtocolClient.connect(wsUrl(server!), room, { name: 'tester', ...opts })
  cleanups.push(() => c.close())
  return c
}

const serverRoom = (name: string) => server!.rooms.get(name)
const hasShape = (name: string, id: string) => serverRoom(name)?.doc.getMap('shapes').has(id) === true

async function healthy(): Promise<boolean> {
  const res = await fetch(`${server!.url}/healthz`)
  return res.ok
}

/** Takes the lease on `shapeId` and commits `texts` one after another. */
async function commitTexts(c: ProtocolClient, shapeId: string, texts: string[]): Promise<void> {
  const granted = c.next((m) => m.t === 'lock.granted' && m.shapeId === shapeId)
  c.send({ t: 'lock.acquire', shapeId, wait: false })
  const { token } = (await granted) as { token: number }
  for (const [i, value] of texts.entries()) {
    const r = await c.commit({ ops: [{ shapeId, field: 'text', baseVersion: i, value }], token })
    expect(r).toEqual({ status: 'ok', versions: [i + 1] })
  }
}

function syncFrame(step: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  encoding.writeVarUint(encoder, step)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

describe('reconnects and reloads after versioned commits (finding 1)', () => {
  it('a client that reconnects with its copy stays connected and keeps editing', async () => {
    server = await startServer()
    const a = await connect('texts', { name: 'Ada' })
    a.addShape('s1')
    await waitFor(() => hasShape('texts', 's1'), 'shape on server')
    await commitTexts(a, 's1', ['Plan', 'Plan B', 'Plan C'])
    await waitFor(
      () => (versionedMap(a.doc).get('s1:text') as { version: number })?.version === 3,
      'projection',
    )
    a.close()

    // The same replica on a new socket: its sync step 2 carries the server's old overwrites.
    const again = await connect('texts', { name: 'Ada', doc: a.doc })
    again.addShape('s2', { x: 200 })
    await waitFor(() => hasShape('texts', 's2'), 'edit after reconnect')
    expect(again.ws.readyState).toBe(again.ws.OPEN)

    // A reload: a stock provider over a copy of the document (what IndexedDB gives back).
    const reloaded = new Y.Doc()
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(a.doc))
    const stock = stockClient(wsUrl(server), 'texts', reloaded)
    cleanups.push(stock.destroy)
    await stock.synced
    insertShape(reloaded, 's3', RECT)
    await waitFor(() => hasShape('texts', 's3'), 'edit after reload')
    expect(stock.closes).toEqual([])
  })

  it('a stock client that reconnects after a server restart resyncs and goes on', async () => {
    const dataDir = tempDir()
    const port = await freePort()
    server = await startServer({ dataDir, port })
    const a = await connect('restart', { name: 'Ada' })
    a.addShape('s1')
    await waitFor(() => hasShape('restart', 's1'), 'shape on server')
    await commitTexts(a, 's1', ['one', 'two'])
    const doc = new Y.Doc()
    const stock = stockClient(wsUrl(server), 'restart', doc)
    cleanups.push(stock.destroy)
    await stock.synced
    await waitFor(() => (versionedMap(doc).get('s1:text') as { version: number })?.version === 2, 'synced')

    await server.close()
    server = await startServer({ dataDir, port })
    await waitFor(() => stock.provider.wsconnected && stock.provider.synced, 'reconnected', 15_000)
    insertShape(doc, 's2', RECT)
    await waitFor(() => hasShape('restart', 's2'), 'edit after restart')
    expect(stock.closes.map((c) => c.code)).toEqual([CloseCode.GoingAway])
  })
})

describe('shapes are removed only by commits (finding 2)', () => {
  it('an update that replaces a shape entry with its deletions stripped is refused, and the shape stays', async () => {
    const memory = new MemoryServer()
    const a = await memory.connect('replace')
    a.addShape('s1', { x: 10 })
    await memory.settle()
    const attacker = await memory.connect('replace', { hello: false })
    const sv = Y.encodeStateVector(attacker.doc)
    const forger = new Y.Doc()
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(attacker.doc))
    forger.getMap('shapes').set('s1', new Y.Map())
    attacker.sendRaw(
      syncFrame(syncProtocol.messageYjsUpdate, withoutDeletes(Y.encodeStateAsUpdate(forger, sv))),
    )
    await memory.settle()
    expect(attacker.closedBy?.code).toBe(CloseCode.ProtectedState)
    const s1 = memory.rooms.get('replace')!.doc.getMap('shapes').get('s1') as Y.Map<unknown>
    expect(s1.get('x')).toBe(10)
    expect((a.doc.getMap('shapes').get('s1') as Y.Map<unknown>).get('x')).toBe(10)
  })
})

describe('malformed requests never stop the server (finding 3)', () => {
  it('an upgrade to a path that does not decode is closed with 4404; the server stays up', async () => {
    server = await startServer()
    for (const bad of ['%E0%A4%A', '%', '%ZZ', 'a%00b', encodeURIComponent('x'.repeat(65))]) {
      const ws = await rawSocket(wsUrl(server), bad)
      expect((await closeCode(ws)).code).toBe(CloseCode.InvalidRoom)
    }
    expect(await healthy()).toBe(true)
  })

  it('odd upgrade requests and board URLs get an HTTP answer, never a crash', async () => {
    server = await startServer()
    const port = server.port
    for (const target of ['/ws/%E0%A4%A', '/elsewhere', '//', '/ws', 'http://[bad', '/ws/a/../b']) {
      const answer = await rawUpgrade(port, target)
      expect(answer).toMatch(/^HTTP\/1\.1 (101|400|404)/)
    }
    const page = await fetch(`${server.url}/b/%E0%A4%A`)
    expect(page.status).toBeGreaterThanOrEqual(400)
    expect(await healthy()).toBe(true)
  })

  it('a room that fails to load is not kept: the client is told to retry, and the next join loads it', async () => {
    const persistence = new FlakyPersistence(path.join(tempDir(), 'easel.sqlite'))
    server = await startServer({}, { persistence })
    persistence.failLoads = 1
    const ws = await rawSocket(wsUrl(server), 'flaky')
    expect((await closeCode(ws)).code).toBe(CloseCode.TryAgainLater)
    expect(server.rooms.size).toBe(0)
    expect(await healthy()).toBe(true)
    const c = await connect('flaky')
    c.addShape('s1')
    await waitFor(() => hasShape('flaky', 's1'), 'shape on server')
  })
})

describe('a room whose storage fails (finding 7)', () => {
  it('is dropped from memory: everyone is told, later joiners get a fresh load whose edits are stored and broadcast', async () => {
    const persistence = new FlakyMemoryPersistence()
    const memory = new MemoryServer({ persistence })
    const a = await memory.connect('broken')
    const b = await memory.connect('broken')
    a.addShape('kept')
    await memory.settle()
    expect(b.doc.getMap('shapes').has('kept')).toBe(true)
    const room = memory.rooms.get('broken')
    persistence.failAppends = 1
    a.addShape('lost-write')
    await memory.settle()
    expect(a.closedBy?.code).toBe(CloseCode.InternalError)
    expect(b.closedBy?.code).toBe(CloseCode.InternalError)
    expect(b.doc.getMap('shapes').has('lost-write')).toBe(false)
    expect(memory.rooms.get('broken')).toBeUndefined()

    // A's replica still has its write; its reconnect stores it, and a new joiner receives it.
    const a2 = await memory.connect('broken', { doc: a.doc })
    const c = await memory.connect('broken')
    expect(memory.rooms.get('broken')).not.toBe(room)
    expect(c.doc.getMap('shapes').has('lost-write')).toBe(true)
    a2.addShape('after')
    await memory.settle()
    expect(c.doc.getMap('shapes').has('after')).toBe(true)
    expect(new Set((await persistence.load('broken')).flatMap((u) => shapeIds(u)))).toEqual(
      new Set(['kept', 'lost-write', 'after']),
    )
  })
})

describe('updates that cannot be integrated (finding 8)', () => {
  it('an update that depends on unknown history is not applied; the sender is resynced and its step 2 repairs it', async () => {
    const memory = new MemoryServer()
    const client = await memory.connect('gap', { hello: false })
    client.toClient.length = 0
    // The client made X while offline, then Y on top of it; Y arrives before its sync step 2.
    const doc = new Y.Doc()
    insertShape(doc, 'x', RECT)
    const sv = Y.encodeStateVector(doc)
    ;(doc.getMap('shapes').get('x') as Y.Map<unknown>).set('y', 50)
    client.sendRaw(syncFrame(syncProtocol.messageYjsUpdate, Y.encodeStateAsUpdate(doc, sv)))
    client.deliverToServer()
    await memory.quiet()
    const asked = syncMessages(client.toClient.splice(0))
    expect(asked.map(([step]) => step)).toEqual([syncProtocol.messageYjsSyncStep1])
    const room = memory.rooms.get('gap')!
    expect(room.doc.store.pendingStructs).toBeNull()
    expect(room.doc.getMap('shapes').has('x')).toBe(false)
    // The client answers the resync request with everything the server lacks.
    client.sendRaw(syncFrame(syncProtocol.messageYjsSyncStep2, Y.encodeStateAsUpdate(doc, asked[0]![1])))
    await memory.settle()
    expect((room.doc.getMap('shapes').get('x') as Y.Map<unknown>).get('y')).toBe(50)
    expect(client.open).toBe(true)
  })

  it('a client that keeps sending updates with missing history is closed with 4422; the room stays clean', async () => {
    const memory = new MemoryServer()
    const bad = await memory.connect('gaps', { hello: false })
    const orphan = encodeItems([
      { client: 77, clock: 5, origin: null, parent: 'other', parentSub: 'k', content: new Y.ContentAny([1]) },
    ])
    for (let i = 0; i < MAX_UNRESOLVED_UPDATES; i++)
      bad.sendRaw(syncFrame(syncProtocol.messageYjsUpdate, orphan))
    bad.deliverToServer()
    await memory.quiet()
    expect(bad.open).toBe(true)
    bad.sendRaw(syncFrame(syncProtocol.messageYjsUpdate, orphan))
    await memory.settle()
    expect(bad.closedBy?.code).toBe(CloseCode.UnintegrableUpdate)
    const c = await memory.connect('gaps')
    c.addShape('fine')
    await memory.settle()
    expect(memory.rooms.get('gaps')!.doc.getMap('shapes').has('fine')).toBe(true)
    expect(memory.rooms.get('gaps')!.doc.store.pendingStructs).toBeNull()
  })

  it('structs Yjs would keep pending (a causality cycle) never enter the room or reach joiners', async () => {
    const memory = new MemoryServer()
    const c = await memory.connect('cycle')
    c.addShape('s1')
    await memory.settle()
    // A1 after B1, B1 after A2, A2 a plain value of the shape's `x`: A2 comes after A1 in A's
    // clocks, so nothing of this can integrate and Yjs would hold all of it pending. (Every value is
    // one the schema accepts: what is tested is the cycle.)
    const shape = memory.rooms.get('cycle')!.doc.getMap('shapes').get('s1') as Y.Map<unknown>
    const x = shape.get('x')
    const cycle = encodeItems([
      { client: 501, clock: 0, origin: Y.createID(502, 0), parent: null, content: new Y.ContentAny([1]) },
      {
        client: 501,
        clock: 1,
        origin: null,
        parent: shape._item!.id,
        parentSub: 'x',
        content: new Y.ContentAny([2]),
      },
      { client: 502, clock: 0, origin: Y.createID(501, 1), parent: null, content: new Y.ContentAny([3]) },
    ])
    const raw = await memory.connect('cycle', { hello: false })
    raw.toClient.length = 0
    raw.sendRaw(syncFrame(syncProtocol.messageYjsUpdate, cycle))
    raw.deliverToServer()
    await memory.quiet()
    expect(syncMessages(raw.toClient.splice(0)).map(([step]) => step)).toEqual([
      syncProtocol.messageYjsSyncStep1,
    ])
    const room = memory.rooms.get('cycle')!
    expect(room.doc.store.pendingStructs).toBeNull()
    expect(room.doc.store.pendingDs).toBeNull()
    const joiner = await memory.connect('cycle')
    expect(joiner.doc.store.pendingStructs).toBeNull()
    expect(joiner.doc.getMap('shapes').has('s1')).toBe(true)
    expect((joiner.doc.getMap('shapes').get('s1') as Y.Map<unknown>).get('x')).toBe(x)
  })
})

/** The sync messages among `frames`, as [step, payload]. */
function syncMessages(frames: Uint8Array[]): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = []
  for (const frame of frames) {
    const d = decoding.createDecoder(frame)
    if (decoding.readVarUint(d) !== MessageType.Sync) continue
    out.push([decoding.readVarUint(d), decoding.readVarUint8Array(d)])
  }
  return out
}

/** SQLite persistence whose loads fail on demand. */
class FlakyPersistence extends SqlitePersistence {
  failLoads = 0
  override async load(room: string): Promise<Uint8Array[]> {
    if (this.failLoads > 0) {
      this.failLoads--
      throw new Error('simulated read failure')
    }
    return super.load(room)
  }
}

/** Memory storage whose appends fail on demand. */
class FlakyMemoryPersistence extends MemoryPersistence {
  failAppends = 0
  override async append(room: string, update: Uint8Array): Promise<number> {
    if (this.failAppends > 0) {
      this.failAppends--
      throw new Error('simulated write failure')
    }
    return super.append(room, update)
  }
}

/** Ids of the shapes an update creates. */
function shapeIds(update: Uint8Array): string[] {
  return Y.decodeUpdate(update)
    .structs.filter(
      (s): s is Y.Item => s instanceof Y.Item && (s.parent as unknown) === 'shapes' && s.parentSub !== null,
    )
    .map((s) => s.parentSub!)
}

/** Sends a raw HTTP upgrade request and returns the first line of the answer. */
function rawUpgrade(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      )
    })
    let data = ''
    socket.on('data', (d) => {
      data += d
      if (data.includes('\r\n')) {
        socket.destroy()
        resolve(data.split('\r\n')[0]!)
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''))
  })
}
