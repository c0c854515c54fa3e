import 'fake-indexeddb/auto'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws'
import * as syncProtocol from 'y-protocols/sync'
import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import {
  CloseCode,
  encodeEaselFrame,
  insertShape,
  MessageType,
  PROTOCOL_VERSION,
  shapesMap,
} from '@easel/shared'
import { createBoard } from '../board.ts'
import { BoardSync, type BoardSyncOptions } from './BoardSync.ts'

/** What the test server does with its n-th connection (0-based): serve it, or close it at once. */
type Plan = (n: number) => { close: number; reason: string } | 'serve'

/**
 * A small y-websocket server: answers sync messages from one doc and, if `relay`, forwards
 * updates to the other sockets. Enough for BoardSync to connect, sync and be closed with a code.
 */
async function startServer(plan: Plan, relay = true) {
  const wss = new WebSocketServer({ port: 0 })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  const doc = new Y.Doc()
  const opened: number[] = []
  /** Every `hello` received; each is answered with a welcome, resuming the session it names. */
  const hellos: Record<string, unknown>[] = []
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (!relay) return
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, MessageType.Sync)
    syncProtocol.writeUpdate(e, update)
    const frame = encoding.toUint8Array(e)
    for (const ws of wss.clients) if (ws !== origin && ws.readyState === ws.OPEN) ws.send(frame)
  })
  wss.on('connection', (ws) => {
    const action = plan(opened.length)
    opened.push(Date.now())
    if (action !== 'serve') {
      ws.close(action.close, action.reason)
      return
    }
    ws.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data))
      const type = decoding.readVarUint(decoder)
      if (type === MessageType.Easel) {
        const hello = JSON.parse(decoding.readVarString(decoder)) as Record<string, unknown>
        hellos.push(hello)
        const resume = typeof hello.resume === 'string' ? hello.resume : `session${hellos.length}.secret`
        ws.send(
          encodeEaselFrame({
            t: 'welcome',
            protocol: PROTOCOL_VERSION,
            serverTime: Date.now(),
            lease: { ttlMs: 10_000, idleMs: 30_000 },
            canEdit: true,
            sessionId: resume.split('.')[0]!,
            resume,
          }),
        )
        return
      }
      if (type !== MessageType.Sync) return // awareness
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, MessageType.Sync)
      syncProtocol.readSyncMessage(decoder, e, doc, ws)
      if (encoding.length(e) > 1) ws.send(encoding.toUint8Array(e))
    })
  })
  const { port } = wss.address() as { port: number }
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    doc,
    hellos,
    /** When each connection arrived (ms since epoch). */
    opened,
    openSockets: () => [...wss.clients].filter((ws) => ws.readyState === ws.OPEN).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate()
        wss.close(() => resolve())
      }),
  }
}

function memoryStorage() {
  const m = new Map<string, string>()
  return {
    map: m,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  }
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

let rooms = 0
async function setup(plan: Plan, options: Partial<BoardSyncOptions> = {}, relay = true) {
  const server = await startServer(plan, relay)
  cleanups.push(server.close)
  const storage = memoryStorage()
  const room = `room${++rooms}`
  const make = (over: Partial<BoardSyncOptions> = {}) => {
    const sync = new BoardSync(room, {
      serverUrl: server.url,
      name: 'Tester',
      color: '#123456',
      WebSocket: NodeWebSocket as unknown as typeof WebSocket,
      offline: false,
      storage,
      events: null,
      ...options,
      ...over,
    })
    cleanups.push(() => sync.destroy())
    return sync
  }
  return { server, storage, room, make }
}

const serveAfterClosingFirst =
  (close: number, reason: string): Plan =>
  (n) =>
    n === 0 ? { close, reason } : 'serve'

describe('BoardSync against a real WebSocket server', () => {
  it('keeps the session across reconnects and reloads of the tab (sessionStorage), not across tabs', async () => {
    const tab = memoryStorage()
    const { server, make } = await setup(() => 'serve', { sessionStorage: tab })
    const first = make()
    await waitFor('welcome', () => first.sessionId !== null)
    expect(first.sessionId).toBe('session1')
    expect(server.hellos[0]).not.toHaveProperty('resume')
    expect(server.hellos[0]).not.toHaveProperty('clientId')
    // The socket drops: the reconnect resumes the session.
    first.goOffline()
    first.goOnline()
    await waitFor('second hello', () => server.hellos.length === 2)
    expect(server.hellos[1]).toMatchObject({ resume: 'session1.secret' })
    first.destroy()
    // A reload of the tab (a new instance over the same sessionStorage) resumes it too.
    const reloaded = make()
    await waitFor('third hello', () => server.hellos.length === 3)
    expect(server.hellos[2]).toMatchObject({ resume: 'session1.secret' })
    await waitFor('welcome', () => reloaded.sessionId === 'session1')
    // Another tab has its own sessionStorage, hence its own session.
    const otherTab = make({ sessionStorage: memoryStorage() })
    await waitFor('fourth hello', () => server.hellos.length === 4)
    expect(server.hellos[3]).not.toHaveProperty('resume')
    await waitFor('welcome', () => otherTab.sessionId === 'session4')
  })

  it('connects and syncs in Node, and instances in one process sync only through the server', async () => {
    const { server, make } = await setup(() => 'serve', {}, false)
    const a = make()
    const b = make()
    await waitFor('both synced', () => a.getState().synced && b.getState().synced)
    expect(a.getState()).toMatchObject({ status: 'connected', retrying: null, problem: null })
    insertShape(a.doc, 'shape1', {
      kind: 'rect',
      x: 1,
      y: 2,
      w: 3,
      h: 4,
      rotation: 0,
      z: 'a0',
      stroke: '#000000',
      fill: 'transparent',
      strokeWidth: 1,
      opacity: 1,
    })
    await waitFor('the server to get the shape', () => shapesMap(server.doc).has('shape1'))
    // The server relays nothing here: b seeing the shape would mean a side channel (BroadcastChannel).
    await sleep(200)
    expect(shapesMap(b.doc).has('shape1')).toBe(false)
  })

  it('stops for good on 4409 and says why in words', async () => {
    const { server, make } = await setup(serveAfterClosingFirst(CloseCode.ProtectedState, 'protected state'))
    const sync = make()
    await waitFor('a problem', () => sync.getState().problem !== null)
    expect(sync.getState()).toMatchObject({
      status: 'offline',
      retrying: null,
      problem: { code: 4409, reason: 'protected state', action: 'reloadFromServer' },
    })
    expect(sync.getState().problem?.message).toMatch(/only the server may change/)
    await sleep(1500)
    expect(server.opened).toHaveLength(1)
    // Going online again does not reconnect into the same refusal.
    sync.goOnline()
    await sleep(300)
    expect(server.opened).toHaveLength(1)
  })

  it('stops on 1009, which y-websocket alone would retry forever', async () => {
    const { server, make } = await setup(serveAfterClosingFirst(CloseCode.MessageTooBig, 'too big'))
    const sync = make()
    await waitFor('a problem', () => sync.getState().problem !== null)
    expect(sync.getState().problem).toMatchObject({ code: 1009, action: 'reloadFromServer' })
    await sleep(1200)
    expect(server.opened).toHaveLength(1)
  })

  it('reconnects after 4429, but slowly, and says it is slowing down', async () => {
    const { server, make } = await setup(serveAfterClosingFirst(CloseCode.RateLimited, 'rate limited'))
    const sync = make()
    await waitFor('the first close', () => sync.getState().retrying !== null)
    const closedAt = Date.now()
    expect(sync.getState()).toMatchObject({
      status: 'connecting',
      problem: null,
      retrying: { code: 4429, reason: 'rate limited', backoff: 'slow' },
    })
    expect(sync.getState().retrying?.message).toMatch(/slow down/)
    expect(sync.getState().retrying?.delayMs).toBeGreaterThanOrEqual(1000)
    await waitFor('the second connection', () => server.opened.length === 2, 5000)
    expect(server.opened[1]! - closedAt).toBeGreaterThanOrEqual(900)
    await waitFor('synced', () => sync.getState().synced)
    expect(sync.getState()).toMatchObject({ status: 'connected', retrying: null, problem: null })
  })

  it('reconnects promptly after 1012 (the room was reloaded)', async () => {
    const { server, make } = await setup(serveAfterClosingFirst(CloseCode.ServiceRestart, 'room reloaded'))
    const sync = make()
    // The prompt retry may connect and sync (clearing the hint) before a poll would see it.
    let hint: ReturnType<typeof sync.getState>['retrying'] = null
    let closedAt = 0
    sync.subscribe(() => {
      if (hint === null && sync.getState().retrying) {
        hint = sync.getState().retrying
        closedAt = Date.now()
      }
    })
    await waitFor('the first close', () => hint !== null)
    expect(hint).toMatchObject({ code: 1012, backoff: 'prompt' })
    await waitFor('the second connection', () => server.opened.length === 2, 2000)
    expect(server.opened[1]! - closedAt).toBeLessThan(400)
    await waitFor('synced', () => sync.getState().synced)
  })

  it('keeps the local copy and the unsynced count after a permanent close', async () => {
    const localStoreName = `keep-${Date.now()}`
    const { storage, room, make } = await setup(
      serveAfterClosingFirst(CloseCode.UnintegrableUpdate, 'unintegrable'),
      { offline: true, localStoreName, isOnline: () => false },
    )
    const sync = make()
    await sync.localReady
    sync.doc.getMap('shapes').set('local1', new Y.Map())
    sync.countLocalChange()
    expect(sync.getState()).toMatchObject({ status: 'offline', unsynced: 1 })
    sync.goOnline()
    await waitFor('a problem', () => sync.getState().problem !== null)
    expect(sync.getState().problem?.code).toBe(4422)
    expect(shapesMap(sync.doc).has('local1')).toBe(true)
    expect(storage.map.get(`easel:unsynced:${room}`)).toBe('1')
    sync.destroy()
    const reread = new Y.Doc()
    const idb = new IndexeddbPersistence(localStoreName, reread)
    await idb.whenSynced
    expect(shapesMap(reread).has('local1')).toBe(true)
    await idb.destroy()
  })

  it('clearLocalCopy deletes the IndexedDB copy and the unsynced counter', async () => {
    const localStoreName = `clear-${Date.now()}`
    const { storage, room, make } = await setup(() => 'serve', {
      offline: true,
      localStoreName,
      isOnline: () => false,
    })
    const sync = make()
    await sync.localReady
    sync.doc.getMap('shapes').set('local1', new Y.Map())
    sync.countLocalChange()
    await sleep(50)
    expect(storage.map.has(`easel:unsynced:${room}`)).toBe(true)
    await sync.clearLocalCopy()
    expect(storage.map.has(`easel:unsynced:${room}`)).toBe(false)
    const reread = new Y.Doc()
    const idb = new IndexeddbPersistence(localStoreName, reread)
    await idb.whenSynced
    expect(shapesMap(reread).size).toBe(0)
    await idb.destroy()
  })

  it('goOffline disconnects and goOnline reconnects; offline at start means no connection', async () => {
    let online = false
    const { server, make } = await setup(() => 'serve', { isOnline: () => online })
    const sync = make()
    await sleep(300)
    expect(server.opened).toHaveLength(0)
    expect(sync.getState().status).toBe('offline')
    online = true
    sync.goOnline()
    await waitFor('synced', () => sync.getState().synced)
    online = false
    sync.goOffline()
    expect(sync.getState()).toMatchObject({ status: 'offline', synced: false })
    await waitFor('the server to see the close', () => server.openSockets() === 0)
    online = true
    sync.goOnline()
    await waitFor('synced again', () => sync.getState().synced)
    expect(server.opened).toHaveLength(2)
  })

  it('many instances come and go without leaving sockets or timers behind', async () => {
    // Half are waiting to retry after 4429 (a pending slow timer), half are connected and synced.
    const { server, make } = await setup((n) =>
      n < 10 ? { close: CloseCode.RateLimited, reason: 'rate limited' } : 'serve',
    )
    // Each y-websocket provider in Node listens for process 'exit'; 20 at once is expected here.
    const maxListeners = process.getMaxListeners()
    process.setMaxListeners(40)
    cleanups.push(() => process.setMaxListeners(maxListeners))
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const before = timers()
    const all = Array.from({ length: 20 }, make)
    const retrying = () => all.filter((s) => s.getState().retrying?.backoff === 'slow').length
    const synced = () => all.filter((s) => s.getState().synced).length
    await waitFor('10 retrying and 10 synced', () => retrying() === 10 && synced() === 10)
    for (const s of all) s.destroy()
    await waitFor('all sockets closed', () => server.openSockets() === 0)
    // y-websocket's own reconnect timer lasts at most its 1 s maxBackoffTime; the slow retries
    // (at least 1 s, scheduled before the destroy) must be gone already.
    await sleep(1000)
    expect(timers()).toBeLessThanOrEqual(before)
    await sleep(1100)
    expect(server.opened).toHaveLength(20)
  })
})

describe('the unsynced count', () => {
  it('counts what the user did offline (one per gesture or command), not Yjs updates; 0 once synced', async () => {
    const server = await startServer(() => 'serve')
    cleanups.push(server.close)
    let online = false
    const board = createBoard(`count${++rooms}`, {
      serverUrl: server.url,
      user: { id: 'u1', name: 'Ada', color: '#123456' },
      storage: memoryStorage(),
      sync: {
        WebSocket: NodeWebSocket as unknown as typeof WebSocket,
        offline: false,
        events: null,
        isOnline: () => online,
      },
    })
    cleanups.push(() => board.destroy())
    const { editor, sync } = board
    let updates = 0
    sync.doc.on('update', () => updates++)
    expect(sync.getState()).toMatchObject({ status: 'offline', unsynced: 0 })

    // One rectangle, drawn with many pointer moves (each frame writes to the document).
    editor.setViewportSize(1000, 800)
    editor.setTool('rect')
    const at = (x: number, y: number) => editor.pointerInfo({ x, y }, {})
    editor.pointerDown(at(100, 100))
    for (let i = 1; i <= 12; i++) {
      editor.pointerMove(at(100 + i * 15, 100 + i * 10))
      await sleep(40)
    }
    editor.pointerUp(at(280, 220))
    await sleep(50)
    expect(editor.getShapes()).toHaveLength(1)
    expect(updates).toBeGreaterThan(5)
    expect(sync.getState().unsynced).toBe(1)

    // A second action: a style change on the selected rectangle.
    editor.select([editor.getShapes()[0]!.id])
    editor.setStyle({ stroke: '#e03131' })
    expect(sync.getState().unsynced).toBe(2)

    online = true
    sync.goOnline()
    await waitFor('synced', () => sync.getState().synced)
    expect(sync.getState().unsynced).toBe(0)
    // Connected and synced, the user's actions reach the server at once: nothing is counted.
    editor.setStyle({ stroke: '#2f9e44' })
    expect(sync.getState().unsynced).toBe(0)
  })
})
