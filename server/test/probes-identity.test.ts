/**
 * The probes on identity, leases and awareness, as they were run against the old server:
 * each `it` quotes its row and asserts the behaviour that row found broken is gone. Written with
 * raw sockets and hand-made frames only (no project client code), so the same file runs against
 * the old server and fails there.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { insertShape, MessageType, PROTOCOL_VERSION } from '@easel/shared'
import { encodeAwarenessUpdate } from '../src/ClientFrames.ts'
import type { EaselServer } from '../src/index.ts'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { startServer, stockClient, wsUrl } from './helpers.ts'

type Json = Record<string, unknown>

let server: EaselServer | undefined
const cleanups: (() => void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) c()
  await server?.close()
  server = undefined
})

/** A socket that speaks the protocol by hand and records everything it is sent. */
class Raw {
  readonly easel: Json[] = []
  /** Awareness states as this socket was told of them, by client id. */
  readonly awareness = new Map<number, unknown>()
  bytes = 0
  awarenessBytes = 0
  closed: { code: number; reason: string } | null = null
  readonly doc = new Y.Doc()
  synced = false

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: ArrayBuffer) => this.onFrame(new Uint8Array(data)))
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
    })
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, MessageType.Sync)
      syncProtocol.writeUpdate(e, update)
      ws.send(encoding.toUint8Array(e))
    })
    cleanups.push(() => ws.terminate())
  }

  private onFrame(frame: Uint8Array): void {
    this.bytes += frame.byteLength
    const d = decoding.createDecoder(frame)
    const type = decoding.readVarUint(d)
    if (type === MessageType.Easel) this.easel.push(JSON.parse(decoding.readVarString(d)) as Json)
    else if (type === MessageType.Awareness) {
      this.awarenessBytes += frame.byteLength
      const u = decoding.createDecoder(decoding.readVarUint8Array(d))
      const n = decoding.readVarUint(u)
      for (let i = 0; i < n; i++) {
        const id = decoding.readVarUint(u)
        decoding.readVarUint(u)
        this.awareness.set(id, JSON.parse(decoding.readVarString(u)))
      }
    } else if (type === MessageType.Sync) {
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, MessageType.Sync)
      const step = syncProtocol.readSyncMessage(d, e, this.doc, this)
      if (encoding.length(e) > 1) this.ws.send(encoding.toUint8Array(e))
      if (step === syncProtocol.messageYjsSyncStep2) this.synced = true
    }
  }

  static async open(room: string): Promise<Raw> {
    // Listening from the start: the server's first frames may come with the upgrade answer.
    const ws = new WebSocket(`${wsUrl(server!)}/${room}`)
    ws.binaryType = 'arraybuffer'
    const r = new Raw(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, MessageType.Sync)
    syncProtocol.writeSyncStep1(e, r.doc)
    r.ws.send(encoding.toUint8Array(e))
    await waitFor(() => r.synced, 'synced')
    return r
  }

  send(message: Json): void {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, MessageType.Easel)
    encoding.writeVarString(e, JSON.stringify(message))
    this.ws.send(encoding.toUint8Array(e))
  }

  async hello(fields: Json): Promise<Json> {
    this.send({ t: 'hello', protocol: PROTOCOL_VERSION, ...fields })
    return this.next((m) => m.t === 'welcome')
  }

  /** Sends an awareness update of hand-picked entries. */
  sendAwareness(entries: { id: number; clock: number; state: unknown }[]): void {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, MessageType.Awareness)
    encoding.writeVarUint8Array(
      e,
      encodeAwarenessUpdate(entries.map((x) => ({ clientId: x.id, clock: x.clock, state: x.state }))),
    )
    this.ws.send(encoding.toUint8Array(e))
  }

  /** The first message matching, already received or still to come. */
  async next(match: (m: Json) => boolean, what = 'message'): Promise<Json> {
    await waitFor(() => this.easel.some(match) || this.closed !== null, what)
    const m = this.easel.find(match)
    if (!m) throw new Error(`socket closed (${JSON.stringify(this.closed)}) before ${what}`)
    return m
  }

  addShape(id: string, kind: 'rect' | 'text' = 'rect'): void {
    insertShape(this.doc, id, { ...RECT, kind })
  }
}

async function room(name: string, config: Json = {}) {
  server = await startServer({ rateLimitPerSec: 10_000, rateLimitBurst: 10_000, ...config })
  const shapesOnServer = (ids: string[]) =>
    waitFor(
      () => ids.every((id) => server!.rooms.get(name)?.doc.getMap('shapes').has(id)),
      'shapes on server',
    )
  return { shapesOnServer }
}

/** A holder: hello as Ada, one shape, its lease. Returns the lease as others were told of it. */
async function adaHoldsLease(roomName: string, shapeId: string, kind: 'rect' | 'text' = 'rect') {
  const { shapesOnServer } = await room(roomName)
  const ada = await Raw.open(roomName)
  await ada.hello({ name: 'Ada', clientId: 'ada-session-0001' })
  ada.addShape(shapeId, kind)
  await shapesOnServer([shapeId])
  ada.send({ t: 'lock.acquire', shapeId, wait: false })
  const granted = await ada.next((m) => m.t === 'lock.granted', 'grant')
  return { ada, token: granted.token as number }
}

/** What a lease broadcast told `r` about a shape: the last entry for it in `leases` or `leases.changed`. */
function announced(r: Raw, shapeId: string): Json | undefined {
  let found: Json | undefined
  for (const m of r.easel) {
    const list = (m.t === 'leases' ? m.leases : m.t === 'leases.changed' ? m.set : []) as Json[]
    for (const l of list) if (l.shapeId === shapeId) found = l
  }
  return found
}

describe('probes: identity', () => {
  it("lease takeover: a second hello on the same socket with the holder's holderId let another user renew and release the lease without the holder hearing of it", async () => {
    const { ada, token } = await adaHoldsLease('probe-takeover', 's1')
    const mallory = await Raw.open('probe-takeover')
    await mallory.hello({ name: 'Mallory' })
    await waitFor(() => announced(mallory, 's1') !== undefined, 'lease list')
    const seen = announced(mallory, 's1')!
    // The second hello claims the holder's id; then renew and release with the (guessed) token.
    mallory.send({ t: 'hello', protocol: PROTOCOL_VERSION, name: 'Mallory', clientId: seen.holderId })
    mallory.send({ t: 'lock.renew', shapeId: 's1', token: seen.token ?? token, activity: true })
    mallory.send({ t: 'lock.release', shapeId: 's1', token: seen.token ?? token })
    await waitFor(
      () => mallory.closed !== null || mallory.easel.some((m) => m.t === 'lock.renewed'),
      'answer',
    )
    expect(mallory.easel.some((m) => m.t === 'lock.renewed')).toBe(false)
    expect(mallory.closed?.code).toBe(4400)
    // Ada still holds it: her renewal is answered, and she was never told she lost it.
    ada.send({ t: 'lock.renew', shapeId: 's1', token, activity: true })
    await ada.next((m) => m.t === 'lock.renewed' || m.t === 'lock.lost', 'renewal answer')
    expect(ada.easel.filter((m) => m.t === 'lock.lost')).toEqual([])
    expect(ada.easel.find((m) => m.t === 'lock.renewed')).toMatchObject({ shapeId: 's1', token })
  })

  it("stolen token: a text commit with the broadcast token was accepted and attributed to 'Alice', whose name the attacker chose in hello", async () => {
    const { ada } = await adaHoldsLease('probe-token', 't1', 'text')
    const attacker = await Raw.open('probe-token')
    await attacker.hello({ name: 'Mallory' })
    await waitFor(() => announced(attacker, 't1') !== undefined, 'lease list')
    const seen = announced(attacker, 't1')!
    const thief = await Raw.open('probe-token')
    await thief.hello({ name: 'Alice', clientId: seen.holderId })
    thief.send({
      t: 'commit',
      opId: 'op-stolen-0001',
      ops: [{ shapeId: 't1', field: 'text', baseVersion: 0, value: 'pwned' }],
      token: seen.token ?? 1,
    })
    const answer = await thief.next((m) => m.t === 'commitResult', 'commit answer')
    expect(answer.result).toMatchObject({ status: 'error', code: 'locked', holder: 'Ada' })
    expect(server!.rooms.get('probe-token')!.doc.getMap('versioned').get('t1:text')).toBeUndefined()
    // Nothing in the broadcast is the holder's secret.
    expect(seen).not.toHaveProperty('token')
    expect(ada.closed).toBeNull()
  })

  it("forged awareness: an awareness update carrying another client's id, with a high clock, replaced that user's presence for everyone; a null state removed it", async () => {
    await room('probe-forge')
    const bo = stockClient(wsUrl(server!), 'probe-forge')
    cleanups.push(() => bo.destroy())
    bo.provider.awareness.setLocalStateField('cursor', { x: 1, y: 2 })
    const watcher = await Raw.open('probe-forge')
    const boId = bo.doc.clientID
    await waitFor(() => watcher.awareness.get(boId) != null, "Bo's presence")
    const mallory = await Raw.open('probe-forge')
    mallory.sendAwareness([
      { id: boId, clock: 1_000_000, state: { cursor: { x: 666, y: 666 }, forged: true } },
    ])
    mallory.sendAwareness([{ id: boId, clock: 1_000_001, state: null }])
    // A barrier: Mallory's own presence, sent after, reaches the watcher once the above was handled.
    mallory.sendAwareness([{ id: 4242, clock: 1, state: { cursor: { x: 0, y: 0 } } }])
    await waitFor(() => watcher.awareness.get(4242) != null, "Mallory's own presence")
    expect(watcher.awareness.get(boId)).toMatchObject({ cursor: { x: 1, y: 2 } })
    expect(watcher.awareness.get(boId)).not.toHaveProperty('forged')
    const onServer = server!.rooms.get('probe-forge')!.awareness.getStates()
    expect(onServer.get(boId)).toMatchObject({ cursor: { x: 1, y: 2 } })
  })

  it('huge awareness: one frame of 20 001 client ids plus 2 MB was relayed to every peer and to every joiner', async () => {
    await room('probe-huge', { maxPayload: 16 * 1024 * 1024 })
    const peer = await Raw.open('probe-huge')
    const mallory = await Raw.open('probe-huge')
    const entries = Array.from({ length: 20_001 }, (_, i) => ({ id: 100_000 + i, clock: 1, state: { i } }))
    entries.push({ id: 99_999, clock: 1, state: { blob: 'x'.repeat(2 * 1024 * 1024) } as never })
    const before = peer.awarenessBytes
    mallory.sendAwareness(entries)
    mallory.sendAwareness([{ id: 4242, clock: 1, state: { ok: true } }])
    await waitFor(() => peer.awareness.get(4242) != null, 'barrier presence')
    expect(peer.awarenessBytes - before).toBeLessThan(64 * 1024)
    expect(server!.rooms.get('probe-huge')!.awareness.getStates().size).toBeLessThan(10)
    const joiner = await Raw.open('probe-huge')
    expect(joiner.awarenessBytes).toBeLessThan(64 * 1024)
  })

  it('800 lock.acquire on shapes that do not exist: all granted; each grant re-broadcast the whole lease list (51.6 MB to one observer)', async () => {
    await room('probe-flood')
    const observer = await Raw.open('probe-flood')
    await observer.hello({ name: 'observer' })
    const mallory = await Raw.open('probe-flood')
    await mallory.hello({ name: 'Mallory' })
    const start = observer.bytes
    for (let i = 0; i < 800; i++) mallory.send({ t: 'lock.acquire', shapeId: `ghost-${i}`, wait: false })
    await waitFor(
      () => mallory.easel.filter((m) => m.t === 'lock.granted' || m.t === 'lock.denied').length >= 800,
      '800 answers',
      30_000,
    )
    const answers = mallory.easel.filter((m) => m.t === 'lock.granted' || m.t === 'lock.denied')
    expect(answers.filter((m) => m.t === 'lock.granted')).toHaveLength(0)
    expect(answers.every((m) => m.reason === 'unknown_shape')).toBe(true)
    // A barrier for the observer: its own request is answered after every broadcast before it.
    observer.send({ t: 'lock.acquire', shapeId: 'ghost-observer', wait: false })
    await observer.next((m) => m.shapeId === 'ghost-observer', 'observer answer')
    expect(observer.bytes - start).toBeLessThan(4 * 1024)
  })

  it("opId reuse: one client's opId returns another client's recorded answer", async () => {
    const { shapesOnServer } = await room('probe-opid')
    const ada = await Raw.open('probe-opid')
    await ada.hello({ name: 'Ada', clientId: 'ada-session-0001' })
    ada.addShape('s1')
    await shapesOnServer(['s1'])
    const del = { ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] }
    ada.send({ t: 'commit', opId: 'op-shared-0001', ...del })
    expect((await ada.next((m) => m.t === 'commitResult')).result).toEqual({ status: 'ok', versions: [1] })
    const bo = await Raw.open('probe-opid')
    await bo.hello({ name: 'Bo', clientId: 'bo-session-00001' })
    bo.send({ t: 'commit', opId: 'op-shared-0001', ...del })
    // Bo's own request, decided on its own: stale (Ada deleted it first), not Ada's 'ok'.
    expect((await bo.next((m) => m.t === 'commitResult')).result).toMatchObject({
      status: 'conflict',
      version: 1,
      by: 'Ada',
    })
  })

  it('hello.color: not validated, and used in inline styles', async () => {
    const { ada } = await adaHoldsLease('probe-color', 's1')
    const evil = 'url(javascript:alert(1))'
    const mallory = await Raw.open('probe-color')
    await mallory.hello({ name: 'Mallory', color: evil })
    mallory.addShape('s2')
    await waitFor(() => server!.rooms.get('probe-color')!.doc.getMap('shapes').has('s2'), 's2 on server')
    mallory.send({ t: 'lock.acquire', shapeId: 's2', wait: false })
    await waitFor(() => announced(ada, 's2') !== undefined, 'lease badge')
    const badge = announced(ada, 's2')!
    expect(badge.holderColor).toMatch(/^#[0-9a-fA-F]{6}$/)
    // Presence, stamped by the server, carries the same checked colour.
    mallory.sendAwareness([{ id: 4343, clock: 1, state: { user: { color: evil } } }])
    await waitFor(() => ada.awareness.get(4343) != null, 'presence')
    expect(JSON.stringify(ada.awareness.get(4343))).not.toContain('javascript')
  })
})
