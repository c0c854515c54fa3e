/**
 * The budget no client can exceed: frames and bytes per second, unread output, sockets per address
 * and in all, rooms in memory, and the document's size. Each limit is set small, tripped, and
 * checked for its close code and its count in `t.server!.limits`; honest traffic under the defaults
 * is not refused.
 */
import type net from 'node:net'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { CloseCode, type CrdtProps, insertShape, MessageType, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { LIMIT_NAMES } from '../src/limits.ts'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { closeCode, perTest, rawSocket, startServer, wsUrl } from './helpers.ts'

const t = perTest()
const { connect, raw } = t

/** A sync step 1 with an empty state vector: "send me the whole document". */
function wholeDocRequest(): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeSyncStep1(encoder, new Y.Doc())
  return encoding.toUint8Array(encoder)
}

/** A query-awareness frame padded to `size` bytes (the server reads only its type). */
function paddedFrame(size: number): Uint8Array {
  const frame = new Uint8Array(size)
  frame[0] = MessageType.QueryAwareness
  return frame
}

/** A pen stroke of `n` points: about 9 bytes a point in a Yjs update. */
function penShape(n: number, at = 0): CrdtProps {
  const points = Array.from({ length: n }, (_, i) => (i * 7.31 + at) % 5000)
  return { ...RECT, kind: 'pen', points, x: at }
}

/** Writes pen shapes into `doc` until its encoded size reaches `bytes`, in one transaction. */
function fillDoc(doc: Y.Doc, bytes: number, prefix = 'big'): void {
  doc.transact(() => {
    for (let i = 0; Y.encodeStateAsUpdate(doc).byteLength < bytes; i++) {
      insertShape(doc, `${prefix}${i}`, penShape(30_000, i))
    }
  })
}

/** A client whose socket stops reading: what the server sends it stays queued. */
function stopReading(ws: WebSocket): void {
  // `ws` exposes no pause of its own; its underlying socket is where reading stops.
  ;(ws as unknown as { _socket: net.Socket })._socket.pause()
}
function resumeReading(ws: WebSocket): void {
  ;(ws as unknown as { _socket: net.Socket })._socket.resume()
}

const noTrips = () => Object.fromEntries(LIMIT_NAMES.map((n) => [n, 0]))

describe('rate limits', () => {
  it('frames per second: over the burst, closed 4429 "frames", counted as rate_frames', async () => {
    t.server = await startServer({ rateLimitPerSec: 10, rateLimitBurst: 20 })
    const ws = await raw('flood')
    const closed = closeCode(ws)
    for (let i = 0; i < 25; i++) ws.send(paddedFrame(1))
    const { code, reason } = await closed
    expect(code).toBe(CloseCode.RateLimited)
    expect(reason).toMatch(/frames/)
    expect(t.server!.limits.tripped.rate_frames).toBe(1)
    expect(t.server!.limits.tripped.rate_bytes).toBe(0)
  })

  it('bytes per second: over the burst, closed 4429 "bytes", counted as rate_bytes', async () => {
    t.server = await startServer({ rateLimitBytesPerSec: 1024, rateLimitBytesBurst: 8192 })
    const ws = await raw('bytes')
    const closed = closeCode(ws)
    // 3 000 bytes each: the third passes the 8 KiB burst (the frame rate is far from its limit).
    for (let i = 0; i < 3; i++) ws.send(paddedFrame(3000))
    const { code, reason } = await closed
    expect(code).toBe(CloseCode.RateLimited)
    expect(reason).toMatch(/bytes/)
    expect(t.server!.limits.tripped.rate_bytes).toBe(1)
    expect(t.server!.limits.tripped.rate_frames).toBe(0)
  })
})

describe('whole-document replies', () => {
  it('are charged to a budget of their own: asking over and over closes 4429, counted as rate_bytes', async () => {
    const budget = 300_000
    t.server = await startServer({ rateLimitBytesBurst: budget, rateLimitBytesPerSec: 1024 })
    const writer = await connect('asker')
    // Many small shapes, each under the writer's own byte budget.
    for (let i = 0; i < 12; i++) fillDoc(writer.doc, 10_000 * (i + 1), `part${i}-`)
    await waitFor(() => (t.server!.rooms.get('asker')?.docBytes ?? 0) >= 110_000, 'the document stored')
    const ws = await raw('asker')
    const closed = closeCode(ws)
    const replySizes: number[] = []
    ws.on('message', (data: ArrayBuffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data))
      if (decoding.readVarUint(decoder) !== MessageType.Sync) return
      if (decoding.readVarUint(decoder) !== syncProtocol.messageYjsSyncStep2) return
      replySizes.push(decoding.readVarUint8Array(decoder).byteLength)
    })
    const request = wholeDocRequest()
    for (let i = 0; i < 10; i++) ws.send(request)
    const { code, reason } = await closed
    expect(code).toBe(CloseCode.RateLimited)
    expect(reason).toMatch(/whole-document/)
    // A request is answered while the budget is not in debt: the last answered one takes it there.
    const size = replySizes[0]!
    expect(replySizes.length).toBe(Math.floor(budget / size) + 1)
    expect(replySizes.length).toBeLessThan(10)
    expect(t.server!.limits.tripped.rate_bytes).toBe(1)
    expect(writer.closeCode).toBeNull()
  })

  it('the first reply is always sent, even when the document is larger than the budget', async () => {
    const dataDir = tempDir()
    t.server = await startServer({ dataDir })
    const writer = await connect('large')
    fillDoc(writer.doc, 200_000)
    await waitFor(() => (t.server!.rooms.get('large')?.docBytes ?? 0) >= 200_000, 'the document stored')
    const shapes = shapesMap(writer.doc).size
    writer.terminate()
    await t.server!.close()
    t.server = await startServer({ dataDir, rateLimitBytesBurst: 50_000, rateLimitBytesPerSec: 1024 })
    const joiner = await connect('large')
    expect(shapesMap(joiner.doc).size).toBe(shapes)
    expect(joiner.closeCode).toBeNull()
    expect(t.server!.limits.tripped.rate_bytes).toBe(0)
  })
})

describe('backpressure', () => {
  it('a client that stops reading is closed 4508 once its queue passes maxBufferedBytes', async () => {
    t.server = await startServer({ maxBufferedBytes: 64 * 1024 })
    const writer = await connect('slow')
    fillDoc(writer.doc, 500_000)
    await waitFor(() => (t.server!.rooms.get('slow')?.docBytes ?? 0) >= 500_000, 'the document stored')
    const ws = await raw('slow')
    const closed = closeCode(ws)
    stopReading(ws)
    // Each request is answered with the whole document; the kernel's buffers fill, then the queue.
    const request = wholeDocRequest()
    for (let i = 0; i < 60; i++) ws.send(request)
    await waitFor(() => t.server!.limits.tripped.backpressure > 0, 'the backpressure trip')
    resumeReading(ws)
    expect((await closed).code).toBe(CloseCode.Backpressure)
    expect(t.server!.limits.tripped.backpressure).toBe(1)
    await waitFor(() => t.server!.connections() === 1, 'the slow socket gone')
    expect(writer.closeCode).toBeNull()
  })

  it('a client that never reads is cut off even though it never answers the close', async () => {
    t.server = await startServer({ maxBufferedBytes: 64 * 1024 })
    const writer = await connect('never')
    fillDoc(writer.doc, 500_000)
    await waitFor(() => (t.server!.rooms.get('never')?.docBytes ?? 0) >= 500_000, 'the document stored')
    const ws = await raw('never')
    stopReading(ws)
    const request = wholeDocRequest()
    for (let i = 0; i < 60; i++) ws.send(request)
    await waitFor(() => t.server!.limits.tripped.backpressure > 0, 'the backpressure trip')
    // Never resumed: the server terminates it after a grace period, freeing what it buffered.
    await waitFor(() => t.server!.connections() === 1, 'the socket terminated')
  })

  it('a joiner whose first sync reply is larger than maxBufferedBytes is not closed', async () => {
    t.server = await startServer({ maxBufferedBytes: 64 * 1024 })
    const writer = await connect('joiner')
    fillDoc(writer.doc, 1_000_000)
    await waitFor(() => (t.server!.rooms.get('joiner')?.docBytes ?? 0) >= 1_000_000, 'the document stored')
    const joiner = await connect('joiner')
    expect(shapesMap(joiner.doc).size).toBe(shapesMap(writer.doc).size)
    expect(joiner.closeCode).toBeNull()
    expect(t.server!.limits.tripped.backpressure).toBe(0)
  })
})

describe('connection caps', () => {
  it('sockets per address: over maxConnectionsPerIp, closed 4503 before joining, counted', async () => {
    t.server = await startServer({ maxConnectionsPerIp: 3 })
    const first = await raw('ip')
    for (let i = 0; i < 2; i++) await raw('ip')
    const extra = await raw('ip')
    const { code, reason } = await closeCode(extra)
    expect(code).toBe(CloseCode.ServerBusy)
    expect(reason).toMatch(/address/)
    expect(t.server!.limits.tripped.connections_per_ip).toBe(1)
    expect(t.server!.connections()).toBe(3)
    // A socket that left frees its place.
    const gone = closeCode(first)
    first.close()
    await gone
    await waitFor(() => t.server!.connections() === 2, 'the first socket gone')
    const again = await raw('ip')
    expect(again.readyState).toBe(WebSocket.OPEN)
    await waitFor(() => t.server!.connections() === 3, 'the new socket accepted')
  })

  it('new sockets per address: over the connect burst, closed 4503 before joining, counted', async () => {
    t.server = await startServer({ connectBurstPerIp: 3, connectRatePerIp: 0.1 })
    for (let i = 0; i < 3; i++) {
      const ws = await raw('churn')
      const gone = closeCode(ws)
      ws.close()
      await gone
    }
    // Three sockets opened and closed: the fourth in a row is one too many, though none is open.
    const extra = await raw('churn')
    const { code, reason } = await closeCode(extra)
    expect(code).toBe(CloseCode.ServerBusy)
    expect(reason).toMatch(/new connections/)
    expect(t.server!.limits.tripped.connect_rate).toBe(1)
    expect(t.server!.limits.tripped.connections_per_ip).toBe(0)
  })

  it('behind a trusted proxy, the last X-Forwarded-For entry (what the proxy saw) is the address', async () => {
    t.server = await startServer({ maxConnectionsPerIp: 1, trustProxy: true })
    // The proxy appends the peer it saw to what the client sent: the entries before it are forged.
    const a = await raw('proxy', { 'X-Forwarded-For': '198.51.100.7, 203.0.113.1' })
    const b = await raw('proxy', { 'X-Forwarded-For': '203.0.113.2' })
    const sameAsA = await raw('proxy', { 'X-Forwarded-For': '198.51.100.99, 203.0.113.1' })
    expect((await closeCode(sameAsA)).code).toBe(CloseCode.ServerBusy)
    expect(a.readyState).toBe(WebSocket.OPEN)
    expect(b.readyState).toBe(WebSocket.OPEN)
    expect(t.server!.limits.tripped.connections_per_ip).toBe(1)
  })

  it('sockets in all: over maxConnections, closed 4503, counted; no room is loaded for it', async () => {
    t.server = await startServer({ maxConnections: 2 })
    await raw('all-1')
    await raw('all-2')
    await waitFor(() => t.server!.rooms.size === 2, 'two rooms')
    const extra = await raw('all-3')
    const { code, reason } = await closeCode(extra)
    expect(code).toBe(CloseCode.ServerBusy)
    expect(reason).toMatch(/connections/)
    expect(t.server!.limits.tripped.connections).toBe(1)
    expect(t.server!.rooms.get('all-3')).toBeUndefined()
  })

  it('rooms in memory: a join that would load one more than maxRooms is closed 4503', async () => {
    t.server = await startServer({ maxRooms: 2 })
    await connect('room-1')
    await connect('room-2')
    const extra = await raw('room-3')
    const { code, reason } = await closeCode(extra)
    expect(code).toBe(CloseCode.ServerBusy)
    expect(reason).toMatch(/boards/)
    expect(t.server!.limits.tripped.rooms).toBe(1)
    expect(t.server!.rooms.size).toBe(2)
    // A room already in memory still takes joiners.
    const joiner = await connect('room-1')
    expect(joiner.closeCode).toBeNull()
  })
})

describe('document size', () => {
  it('an update that would pass maxDocBytes is closed 4413; nothing of it is stored or broadcast', async () => {
    t.server = await startServer({ maxDocBytes: 64 * 1024 })
    const writer = await connect('full')
    const reader = await connect('full')
    writer.addShape('small', { x: 1 })
    await waitFor(() => shapesMap(reader.doc).has('small'), 'the small shape broadcast')
    insertShape(writer.doc, 'huge', penShape(20_000))
    const { code } = await writer.closed
    expect(code).toBe(CloseCode.BoardFull)
    expect(t.server!.limits.tripped.doc_size).toBe(1)
    const room = t.server!.rooms.get('full')!
    expect(shapesMap(room.doc).has('huge')).toBe(false)
    // The reader is still there and still gets edits, but never the refused shape.
    const other = await connect('full')
    other.addShape('after', { x: 2 })
    await waitFor(() => shapesMap(reader.doc).has('after'), 'a later edit broadcast')
    expect(shapesMap(reader.doc).has('huge')).toBe(false)
  })

  it('an update repeating what the document has counts only what is new', async () => {
    t.server = await startServer({ maxDocBytes: 600_000 })
    const writer = await connect('repeat')
    fillDoc(writer.doc, 400_000)
    await waitFor(() => (t.server!.rooms.get('repeat')?.docBytes ?? 0) >= 400_000, 'the document stored')
    // The whole document again plus one shape: 400 KB more by its length, a few bytes by content.
    writer.addShape('one-more', { x: 5 })
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(writer.doc))
    writer.ws.send(encoding.toUint8Array(encoder))
    writer.addShape('last', { x: 6 })
    await waitFor(() => shapesMap(t.server!.rooms.get('repeat')!.doc).has('last'), 'the edits stored')
    expect(writer.closeCode).toBeNull()
    expect(t.server!.limits.tripped.doc_size).toBe(0)
  })

  it('the size is exact after a reload', async () => {
    const dataDir = tempDir()
    t.server = await startServer({ dataDir })
    const writer = await connect('reload')
    fillDoc(writer.doc, 300_000)
    await waitFor(() => (t.server!.rooms.get('reload')?.docBytes ?? 0) >= 300_000, 'the document stored')
    const expected = Y.encodeStateAsUpdate(t.server!.rooms.get('reload')!.doc).byteLength
    writer.terminate()
    await waitFor(() => t.server!.rooms.size === 0, 'the room unloaded')
    await t.server!.close()
    t.server = await startServer({ dataDir })
    await connect('reload')
    expect(t.server!.rooms.get('reload')!.docBytes).toBe(expected)
  })
})

describe('honest traffic under the defaults', () => {
  it('a client editing normally and a 3 MB import in one update are never refused', async () => {
    t.server = await startServer()
    const a = await connect('honest')
    const b = await connect('honest')
    for (let i = 0; i < 20; i++) a.addShape(`s${i}`, { x: i, createdBy: 'Ada' })
    const s0 = shapesMap(a.doc).get('s0')!
    for (let i = 0; i < 300; i++) {
      a.doc.transact(() => {
        s0.set('x', i)
        s0.set('y', i / 2)
      })
    }
    await waitFor(() => shapesMap(b.doc).get('s0')?.get('x') === 299, 'the edits broadcast')
    fillDoc(a.doc, 3 * 1024 * 1024, 'import')
    const imported = [...shapesMap(a.doc).keys()].filter((k) => k.startsWith('import')).length
    await waitFor(
      () => [...shapesMap(b.doc).keys()].filter((k) => k.startsWith('import')).length === imported,
      'the import broadcast',
    )
    expect(a.closeCode).toBeNull()
    expect(b.closeCode).toBeNull()
    expect(t.server!.limits.tripped).toEqual(noTrips())
  })
})

it('raw sockets are closed, not left half-open, when a cap refuses them', async () => {
  t.server = await startServer({ maxConnectionsPerIp: 1 })
  await rawSocket(wsUrl(t.server!), 'half').then((ws) => t.track(ws))
  const refused = await rawSocket(wsUrl(t.server!), 'half')
  t.track(refused)
  expect((await closeCode(refused)).code).toBe(CloseCode.ServerBusy)
  expect(t.server!.connections()).toBe(1)
})
