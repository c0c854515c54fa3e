/**
 * The extension lifecycle: hooks run in registration order and are awaited; connect hooks may
 * refuse a socket or make it read-only; joins wait for one shared load; storage stays ahead of
 * broadcast even when it is slow. In-memory sockets, except the last block, which proves the
 * connect hooks on a real server.
 */
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { CloseCode, insertShape, type ServerMessage, versionedMap } from '@easel/shared'
import {
  type ConnectContext,
  ConnectionRefused,
  type EaselServer,
  type Extension,
  MemoryPersistence,
} from '../src/index.ts'
import { startServer, wsUrl } from './helpers.ts'
import { MemoryServer } from './memoryRoom.ts'
import { ProtocolClient, RECT } from '@easel/testkit/protocolClient.ts'

/** A promise the test resolves by hand. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((r) => {
    open = r
  })
  return { opened, open }
}

/** Memory storage whose loads and appends wait for gates the test opens. */
class GatedPersistence extends MemoryPersistence {
  loads = 0
  loadGate: Promise<void> | null = null
  appendGate: Promise<void> | null = null
  failLoads = 0
  override async load(room: string): Promise<Uint8Array[]> {
    this.loads++
    await this.loadGate
    if (this.failLoads > 0) {
      this.failLoads--
      throw new Error('simulated read failure')
    }
    return super.load(room)
  }
  override async append(room: string, update: Uint8Array): Promise<number> {
    await this.appendGate
    return super.append(room, update)
  }
}

/** Records every hook call as `name:hook`, each hook yielding to the event loop first. */
function recorder(name: string, calls: string[]): Extension {
  const log = (hook: string) => async () => {
    await new Promise((r) => setImmediate(r))
    calls.push(`${name}:${hook}`)
  }
  return {
    name,
    onConnect: log('connect'),
    onAuthenticate: log('authenticate'),
    onLoadDocument: log('load'),
    onChange: log('change'),
    onStoreDocument: log('store'),
    onDisconnect: log('disconnect'),
    onDestroy: log('destroy'),
  }
}

/** Reads `?token=` from the socket URL: none refused, `view` read-only, `edit` full access. */
const tokenAuth: Extension = {
  name: 'token-auth',
  onAuthenticate(ctx: ConnectContext) {
    const token = new URL(ctx.request.url, 'http://localhost').searchParams.get('token')
    if (token === 'view') ctx.readOnly = true
    else if (token !== 'edit') throw new ConnectionRefused(CloseCode.Forbidden, 'a valid token is required')
  },
}

const welcome = (received: ServerMessage[]) =>
  received.find((m): m is Extract<ServerMessage, { t: 'welcome' }> => m.t === 'welcome')

describe('hooks run in registration order, each awaited', () => {
  it('connect, authenticate, load, change, store, disconnect, destroy', async () => {
    const calls: string[] = []
    const server = new MemoryServer({ extensions: [recorder('a', calls), recorder('b', calls)] })
    const c = await server.connect('order')
    expect(calls).toEqual(['a:connect', 'b:connect', 'a:authenticate', 'b:authenticate', 'a:load', 'b:load'])
    calls.length = 0
    c.addShape('s1')
    await server.settle()
    expect(calls).toEqual(['a:change', 'b:change'])
    calls.length = 0
    c.close()
    await server.quiet()
    expect(calls).toEqual(['a:disconnect', 'b:disconnect', 'a:destroy', 'b:destroy', 'a:store', 'b:store'])
    expect(server.rooms.size).toBe(0)
  })

  it('onChange sees each update after it is stored, with the connection that sent it', async () => {
    const seen: { stored: number; from: string | null }[] = []
    const persistence = new MemoryPersistence()
    const server = new MemoryServer({
      persistence,
      extensions: [
        {
          name: 'watch',
          async onChange(room, _update, origin) {
            seen.push({ stored: await persistence.logLength(room.name), from: origin?.name ?? null })
          },
        },
      ],
    })
    const c = await server.connect('changes', { name: 'client-ada' })
    const before = seen.length
    const base = await persistence.logLength('changes')
    c.addShape('s1')
    await server.settle()
    expect(seen.slice(before)).toEqual([{ stored: base + 1, from: 'client-ada' }])
    expect(
      await c.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] }),
    ).toEqual({
      status: 'ok',
      versions: [1],
    })
    // The projection of the commit is the server's own write.
    expect(seen.at(-1)).toEqual({ stored: base + 2, from: null })
  })

  it('onStoreDocument gets every snapshot the room writes', async () => {
    const snapshots: Uint8Array[] = []
    const server = new MemoryServer({
      compactAfter: 3,
      extensions: [{ name: 'backup', onStoreDocument: (_room, state) => void snapshots.push(state) }],
    })
    const c = await server.connect('snap')
    const shapesIn = (state: Uint8Array) => {
      const copy = new Y.Doc()
      Y.applyUpdate(copy, state)
      return [...copy.getMap('shapes').keys()].sort()
    }
    for (const id of ['s1', 's2', 's3']) c.addShape(id)
    await server.settle()
    // The load's migration and two shapes fill the log: one compaction.
    expect(snapshots.map(shapesIn)).toEqual([['s1', 's2']])
    c.close()
    await server.quiet()
    expect(snapshots.map(shapesIn)).toEqual([
      ['s1', 's2'],
      ['s1', 's2', 's3'],
    ])
  })
})

describe('connect hooks', () => {
  it('a refusal closes the socket with the hook’s code before the room is acquired', async () => {
    const server = new MemoryServer({ extensions: [tokenAuth] })
    const c = await server.connect('auth')
    expect(c.closedBy).toEqual({ code: CloseCode.Forbidden, reason: 'a valid token is required' })
    expect(c.room).toBeNull()
    expect(server.rooms.size).toBe(0)
    expect(c.received).toEqual([])
  })

  it('a later hook is not called once an earlier one refused', async () => {
    const calls: string[] = []
    const server = new MemoryServer({ extensions: [tokenAuth, recorder('after', calls)] })
    await server.connect('auth')
    expect(calls).toEqual(['after:connect'])
  })

  it('a read-only connection reads and sees awareness, but its edits, commits and locks are refused', async () => {
    const server = new MemoryServer({ extensions: [tokenAuth] })
    const editor = await server.connect('ro', { query: '?token=edit', name: 'client-editor' })
    editor.addShape('s1')
    await server.settle()
    const viewer = await server.connect('ro', { query: '?token=view', name: 'client-viewer' })
    expect(welcome(viewer.received)?.canEdit).toBe(false)
    expect(welcome(editor.received)?.canEdit).toBe(true)
    expect(viewer.doc.getMap('shapes').has('s1')).toBe(true)
    viewer.awareness.setLocalStateField('cursor', { x: 1 })
    await server.settle()
    expect(editor.awareness.getStates().get(viewer.doc.clientID)).toEqual({
      cursor: { x: 1 },
      user: { name: 'client-viewer', color: expect.any(String), sessionId: expect.any(String) },
    })

    expect(
      await viewer.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] }),
    ).toMatchObject({ status: 'error', code: 'forbidden' })
    viewer.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    await server.settle()
    expect(viewer.received.at(-1)).toMatchObject({ t: 'lock.denied', reason: 'view-only' })
    expect(versionedMap(server.rooms.get('ro')!.doc).size).toBe(0)

    // y-websocket's read-only rule: the update is dropped and the socket kept.
    viewer.addShape('from-viewer')
    await server.settle()
    expect(viewer.closedBy).toBeNull()
    expect(server.rooms.get('ro')!.doc.getMap('shapes').has('from-viewer')).toBe(false)
    expect(editor.doc.getMap('shapes').has('from-viewer')).toBe(false)
  })

  it('a hook that throws anything else closes the socket as an internal error', async () => {
    const server = new MemoryServer({
      extensions: [
        {
          name: 'broken',
          onConnect() {
            throw new Error('bug')
          },
        },
      ],
    })
    const c = await server.connect('oops')
    expect(c.closedBy?.code).toBe(CloseCode.InternalError)
    expect(server.rooms.size).toBe(0)
  })
})

describe('loading', () => {
  it('joins arriving during a load all wait on that one load, and nothing is sent before it is done', async () => {
    const persistence = new GatedPersistence()
    const load = gate()
    persistence.loadGate = load.opened
    const server = new MemoryServer({ persistence })
    const joining = Promise.all([server.connect('slow'), server.connect('slow'), server.connect('slow')])
    await server.turn()
    expect(persistence.loads).toBe(1)
    expect([...server.clients].every((c) => c.toClient.length === 0 && c.room === null)).toBe(true)
    load.open()
    const clients = await joining
    expect(persistence.loads).toBe(1)
    expect(new Set(clients.map((c) => c.room)).size).toBe(1)
    for (const c of clients) expect(welcome(c.received)).toBeDefined()
  })

  it('a load that fails tells every waiting join to retry and keeps nothing; the next join loads again', async () => {
    const persistence = new GatedPersistence()
    await persistence.append('flaky', Y.encodeStateAsUpdate(docWith('kept')))
    persistence.failLoads = 1
    const server = new MemoryServer({ persistence })
    const [a, b] = await Promise.all([server.connect('flaky'), server.connect('flaky')])
    expect(a.closedBy?.code).toBe(CloseCode.TryAgainLater)
    expect(b.closedBy?.code).toBe(CloseCode.TryAgainLater)
    expect(server.rooms.size).toBe(0)
    const c = await server.connect('flaky')
    expect(c.doc.getMap('shapes').has('kept')).toBe(true)
  })

  it('an onLoadDocument that throws fails the load the same way', async () => {
    let fail = true
    const server = new MemoryServer({
      extensions: [
        {
          name: 'picky',
          onLoadDocument() {
            if (fail) throw new Error('not today')
          },
        },
      ],
    })
    expect((await server.connect('picky')).closedBy?.code).toBe(CloseCode.TryAgainLater)
    expect(server.rooms.size).toBe(0)
    fail = false
    expect((await server.connect('picky')).open).toBe(true)
  })
})

describe('durable before broadcast, with slow storage', () => {
  it('no other client sees an update until it is stored, and updates arrive in order', async () => {
    const persistence = new GatedPersistence()
    const server = new MemoryServer({ persistence })
    const a = await server.connect('slow-disk')
    const b = await server.connect('slow-disk')
    const base = await persistence.logLength('slow-disk')
    const disk = gate()
    persistence.appendGate = disk.opened
    a.addShape('s1')
    a.addShape('s2', { x: 5 })
    a.deliverToServer()
    await server.turn()
    b.deliverToClient()
    expect(b.doc.getMap('shapes').size).toBe(0)
    expect(await persistence.logLength('slow-disk')).toBe(base)
    // A joiner arriving meanwhile is answered after the stored updates, not before.
    const c = server.connect('slow-disk')
    await server.turn()
    disk.open()
    await server.settle()
    const joiner = await c
    expect([...b.doc.getMap('shapes').keys()]).toEqual(['s1', 's2'])
    expect([...joiner.doc.getMap('shapes').keys()].sort()).toEqual(['s1', 's2'])
    const stored = new Y.Doc()
    for (const u of await persistence.load('slow-disk')) Y.applyUpdate(stored, u)
    expect([...stored.getMap('shapes').keys()].sort()).toEqual(['s1', 's2'])
  })
})

describe('connect hooks on a real server', () => {
  let server: EaselServer | undefined
  const clients: ProtocolClient[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await server?.close()
    server = undefined
  })

  it('refuses a socket without a token with 4403, and keeps a view-only one from editing (its updates dropped)', async () => {
    server = await startServer({}, { extensions: [tokenAuth] })
    const refused = new ProtocolClient(new WebSocket(`${wsUrl(server)}/board`), 'nobody', new Y.Doc())
    expect(await refused.closed).toEqual({ code: CloseCode.Forbidden, reason: 'a valid token is required' })
    expect(server.rooms.size).toBe(0)

    const editor = await ProtocolClient.connect(wsUrl(server), 'board?token=edit', { name: 'Ed' })
    const viewer = await ProtocolClient.connect(wsUrl(server), 'board?token=view', { name: 'Vi' })
    clients.push(editor, viewer)
    expect(welcome(viewer.received)?.canEdit).toBe(false)
    expect(welcome(editor.received)?.canEdit).toBe(true)
    editor.addShape('s1')
    expect(
      await editor.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] }),
    ).toEqual({
      status: 'ok',
      versions: [1],
    })
    expect(
      await viewer.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 1, value: false }] }),
    ).toMatchObject({ status: 'error', code: 'forbidden' })
    // Dropped, not stored, and the socket stays: the next commit (handled after it) is answered.
    viewer.addShape('from-viewer')
    expect(
      await viewer.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 1, value: false }] }),
    ).toMatchObject({ status: 'error', code: 'forbidden' })
    expect(viewer.closeCode).toBeNull()
    expect(server.rooms.get('board')!.doc.getMap('shapes').has('from-viewer')).toBe(false)
  })
})

function docWith(shapeId: string): Y.Doc {
  const doc = new Y.Doc()
  insertShape(doc, shapeId, RECT)
  return doc
}
