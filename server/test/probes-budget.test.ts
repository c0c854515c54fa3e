/**
 * Probes of issue 11 (the budget no client can exceed, and the shape schema on the server): each
 * row of the probe table, as found on the previous main, is one test here, asserting the
 * fixed behaviour. Each fails on the previous main (c5dd68b). Self-contained on purpose: it is
 * copied, alone, into a checkout of that main to prove it.
 */
import type net from 'node:net'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { CloseCode, insertShape, MessageType, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { perTest, startServer, wsUrl } from './helpers.ts'

const t = perTest()
const { connect } = t

/** Resolves with `p`, or with `fallback` after `ms` (what did not happen in time). */
function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return Promise.race([p, new Promise<F>((r) => setTimeout(() => r(fallback), ms).unref())])
}

/** Writes pen shapes of 30 000 points into `doc` until its encoded size reaches `bytes`. */
function fillDoc(doc: Y.Doc, bytes: number): void {
  doc.transact(() => {
    for (let i = 0; Y.encodeStateAsUpdate(doc).byteLength < bytes; i++) {
      const points = Array.from({ length: 30_000 }, (_, j) => (j * 7.31 + i) % 5000)
      insertShape(doc, `big${i}`, { ...RECT, kind: 'pen', points, x: i })
    }
  })
}

function syncFrame(write: (e: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** What happened to a socket first: the server's first frame (accepted), or a close. */
function firstEvent(ws: WebSocket): Promise<'message' | number> {
  return new Promise((resolve) => {
    ws.once('message', () => resolve('message'))
    ws.once('close', (code) => resolve(code))
    ws.once('error', () => resolve(-1))
  })
}

it('"2 000 sockets at once: all accepted, with no per-IP or global cap"', async () => {
  process.setMaxListeners(0)
  t.server = await startServer({ maxConnectionsPerIp: 100, maxConnections: 5000 })
  const outcomes = await Promise.all(
    Array.from({ length: 2000 }, () => {
      const ws = new WebSocket(`${wsUrl(t.server!)}/crowd`)
      t.track(ws)
      return within(firstEvent(ws), 20_000, 'nothing')
    }),
  )
  const accepted = outcomes.filter((o) => o === 'message').length
  const busy = outcomes.filter((o) => o === CloseCode.ServerBusy).length
  expect(accepted).toBe(100)
  expect(busy).toBe(1900)
  const health = await fetch(`${t.server!.url}/healthz`)
  expect(health.status).toBe(200)
  expect(await health.json()).toMatchObject({ ok: true })
})

it('"3 MB field: a 3 MB createdBy value (the schema says 64 characters) was stored and broadcast"', async () => {
  t.server = await startServer()
  const writer = await connect('field')
  const reader = await connect('field')
  writer.addShape('s1', { x: 1 })
  await waitFor(() => shapesMap(reader.doc).has('s1'), 's1 broadcast')
  shapesMap(writer.doc)
    .get('s1')!
    .set('createdBy', 'x'.repeat(3 * 1024 * 1024))
  const closed = await within(writer.closed, 5000, null)
  expect(closed?.code).toBe(CloseCode.InvalidContent)
  const room = t.server!.rooms.get('field')!
  await room.idle()
  expect(shapesMap(room.doc).get('s1')?.get('createdBy')).toBeUndefined()
  expect(shapesMap(reader.doc).get('s1')?.get('createdBy')).toBeUndefined()
})

it('"a client that never reads: 150 sync step 1 requests on a 3 MB document took the server\'s RSS from 238 MB to 748 MB"', async () => {
  t.server = await startServer({ maxBufferedBytes: 1024 * 1024 })
  const writer = await connect('reader')
  fillDoc(writer.doc, 3 * 1024 * 1024)
  await waitFor(
    () => shapesMap(t.server!.rooms.get('reader')!.doc).size === shapesMap(writer.doc).size,
    'stored',
  )
  const ws = new WebSocket(`${wsUrl(t.server!)}/reader`)
  t.track(ws)
  ws.on('error', () => {})
  await new Promise<void>((r) => ws.once('open', () => r()))
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
  // The client stops reading: `ws` has no pause of its own, its socket does.
  const socket = (ws as unknown as { _socket: net.Socket })._socket
  socket.pause()
  const request = syncFrame((e) => syncProtocol.writeSyncStep1(e, new Y.Doc()))
  for (let i = 0; i < 150; i++) ws.send(request)
  // The server closes it (its close frame waits behind what the client has not read).
  await waitFor(
    () => (t.server?.limits?.tripped.backpressure ?? 0) > 0,
    'the server to close the client that never reads',
    15_000,
  )
  socket.resume()
  expect(await within(closed, 5000, null)).toBe(CloseCode.Backpressure)
})

it('"an update that would pass the document size cap" is refused with BoardFull', async () => {
  t.server = await startServer({ maxDocBytes: 1024 * 1024 })
  const writer = await connect('cap')
  const reader = await connect('cap')
  fillDoc(writer.doc, 2 * 1024 * 1024)
  const closed = await within(writer.closed, 5000, null)
  expect(closed?.code).toBe(CloseCode.BoardFull)
  await t.server!.rooms.get('cap')!.idle()
  expect(shapesMap(t.server!.rooms.get('cap')!.doc).size).toBe(0)
  expect(shapesMap(reader.doc).size).toBe(0)
})

it('"bytes rate limit": a connection sending more bytes per second than its budget is closed 4429', async () => {
  t.server = await startServer({ rateLimitBytesPerSec: 64 * 1024, rateLimitBytesBurst: 256 * 1024 })
  const ws = new WebSocket(`${wsUrl(t.server!)}/bytes`)
  t.track(ws)
  ws.on('error', () => {})
  await new Promise<void>((r) => ws.once('open', () => r()))
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
  )
  // 100 frames of 100 KB: 10 MB in a moment, far under the frame rate limit (400/s, burst 2 000).
  const frame = new Uint8Array(100 * 1024)
  frame[0] = MessageType.QueryAwareness
  for (let i = 0; i < 100; i++) ws.send(frame)
  const result = await within(closed, 5000, null)
  expect(result?.code).toBe(CloseCode.RateLimited)
  expect(result?.reason).toMatch(/bytes/)
})
