/**
 * The machinery behind frameFuzz.test.ts: a fuzz socket that sends frames one at a time and waits
 * until the server has handled each one, the invariants checked after every frame (server up, no
 * pending structs, honest clients can join, write, see each other and reconnect), and the reload
 * check at the end of a run. Every failure message carries the hex of every frame sent.
 */
import fs from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  encodeEaselFrame,
  insertShape,
  MessageType,
  PROTOCOL_VERSION,
  type ServerMessage,
  shapesMap,
  type VersionedField,
  versionedKey,
  versionedMap,
} from '@easel/shared'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { EaselServer } from '../src/index.ts'
import {
  desyncsReplica,
  type FrameSpec,
  type FuzzContext,
  hex,
  materialize,
  syncReplica,
} from './frameArbitraries.ts'
import { ProtocolClient, RECT } from '@easel/testkit/protocolClient.ts'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { startServer, stockClient, wsUrl } from './helpers.ts'

export const ROOM = 'fuzz-room'
/** Per step of an honest client (open, welcome, sync, see a write); FUZZ_STEP_TIMEOUT_MS overrides. */
const STEP_TIMEOUT_MS = Number(process.env.FUZZ_STEP_TIMEOUT_MS ?? 4000)

export class InvariantError extends Error {
  override name = 'InvariantError'
}

// ---------------------------------------------------------------------------------------------
// Errors honest clients hit while decoding what the server sent, and uncaught server exceptions
// ---------------------------------------------------------------------------------------------

const clientErrors: string[] = []
const processErrors: string[] = []
let processHookRefs = 0
const onUncaught = (err: Error) => processErrors.push(`${err.name}: ${err.message}\n${err.stack ?? ''}`)

/** Records uncaught exceptions (an in-process server throwing outside its handlers) while fuzzing. */
export function hookProcessErrors(): () => void {
  if (processHookRefs++ === 0) process.on('uncaughtException', onUncaught)
  return () => {
    if (--processHookRefs === 0) process.off('uncaughtException', onUncaught)
  }
}

/** ws's WebSocket whose `onmessage` errors are recorded instead of thrown (for the stock provider). */
class GuardedWebSocket extends WebSocket {
  override addEventListener(type: string, listener: unknown, options?: unknown): void {
    const wrapped =
      type === 'message' && typeof listener === 'function'
        ? function (this: unknown, ev: unknown) {
            try {
              ;(listener as (ev: unknown) => void).call(this, ev)
            } catch (err) {
              clientErrors.push(
                `stock y-websocket client failed on a server frame: ${(err as Error).message}`,
              )
            }
          }
        : listener
    ;(super.addEventListener as (t: string, l: unknown, o?: unknown) => void)(type, wrapped, options)
  }
}

type StockClient = ReturnType<typeof stockClient>

/** The stock y-websocket provider, through the guarded socket, reconnecting quickly. */
export function stockProvider(server: EaselServer, room: string, doc = new Y.Doc()): StockClient {
  return stockClient(wsUrl(server), room, doc, {
    WebSocketPolyfill: GuardedWebSocket as unknown as typeof globalThis.WebSocket,
    maxBackoffTime: 100,
  })
}

type TrackedProtocolClient = { client: ProtocolClient; closed: Promise<{ code: number; reason: string }> }

/**
 * ProtocolClient.connect, step by step, so a close during the handshake is seen at once (with its
 * code) rather than as a 5 s timeout; decode errors in the client are recorded.
 */
export async function connectProtocolClient(
  server: EaselServer,
  room: string,
  name: string,
): Promise<TrackedProtocolClient> {
  const ws = new WebSocket(`${wsUrl(server)}/${room}`)
  const client = new ProtocolClient(ws, `honest-${Math.random().toString(36).slice(2, 12)}`, new Y.Doc())
  for (const l of ws.listeners('message') as ((...a: unknown[]) => void)[]) {
    ws.off('message', l)
    ws.on('message', (...a: unknown[]) => {
      try {
        l(...a)
      } catch (err) {
        clientErrors.push(`ProtocolClient failed on a server frame: ${(err as Error).message}`)
      }
    })
  }
  const closed = client.closed
  await race(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    }),
    closed,
    `${name}: socket open`,
  )
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeSyncStep1(encoder, client.doc)
  ws.send(encoding.toUint8Array(encoder))
  const welcome = client.next((m) => m.t === 'welcome', STEP_TIMEOUT_MS)
  welcome.catch(() => {})
  client.send({ t: 'hello', protocol: PROTOCOL_VERSION, name })
  await race(welcome, closed, `${name}: welcome`)
  await race(client.synced, closed, `${name}: sync step 2 from the server`)
  return { client, closed }
}

/** Resolves with `p`; fails with the close code if `closed` wins, or after a timeout. */
async function race<T>(
  p: Promise<T>,
  closed: Promise<{ code: number; reason: string }>,
  what: string | (() => string),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const describe = () => (typeof what === 'string' ? what : what())
  try {
    return await Promise.race([
      p,
      closed.then(({ code, reason }) => {
        throw new InvariantError(
          `${describe()}: the server closed the honest client's socket with ${code} "${reason}"`,
        )
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new InvariantError(`${describe()}: timed out after ${STEP_TIMEOUT_MS} ms`)),
          STEP_TIMEOUT_MS,
        )
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `pred` until it holds; fails like {@link race}. */
async function until(
  pred: () => boolean,
  closed: Promise<{ code: number; reason: string }>,
  what: string | (() => string),
) {
  let stop = false
  try {
    await race(
      (async () => {
        while (!stop && !pred()) await sleep(5)
      })(),
      closed,
      what,
    )
  } finally {
    stop = true
  }
}

/** Resolves once `ws` answered a ping: everything the server sent it before has been handled. */
function pingPong(ws: WebSocket | null | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return resolve()
    const tag = Buffer.from(`h${Math.random()}`)
    const onPong = (data: Buffer) => {
      if (!data.equals(tag)) return
      ws.off('pong', onPong)
      resolve()
    }
    ws.on('pong', onPong)
    ws.ping(tag)
  })
}

/**
 * Waits until the server's room has something (`onServer`), then until a client has it too
 * (`onClient`). With the room in-process, the client is asked right after a ping round trip, so a
 * client that was sent the change but does not show it (its document diverged) fails at once
 * instead of after a timeout. Without room access (a server process), it polls the client.
 */
async function seen(
  server: EaselServer,
  room: string,
  onServer: (doc: Y.Doc) => boolean,
  client: { ws: WebSocket | null | undefined; closed: Promise<{ code: number; reason: string }> },
  onClient: () => boolean,
  what: () => string,
): Promise<void> {
  if (!server.rooms) return until(onClient, client.closed, what)
  await until(
    () => {
      const doc = server.rooms.get(room)?.doc
      return doc !== undefined && onServer(doc)
    },
    client.closed,
    () => `the server to have what is checked next (${what()})`,
  )
  await race(pingPong(client.ws), client.closed, what)
  if (onClient()) return
  await sleep(20)
  if (!onClient())
    throw new InvariantError(
      `${what()}: the server has it and its frames reached the client, which does not show it`,
    )
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

export function pendingOf(doc: Y.Doc): string | null {
  const { pendingStructs, pendingDs } = doc.store
  if (!pendingStructs && !pendingDs) return null
  const parts: string[] = []
  if (pendingStructs) {
    parts.push(
      `pendingStructs missing ${[...pendingStructs.missing].map(([c, k]) => `${c}:${k}`).join(', ')} ` +
        `(update ${hex(Y.convertUpdateFormatV2ToV1(pendingStructs.update), 200)})`,
    )
  }
  if (pendingDs) parts.push(`pendingDs ${hex(Y.convertUpdateFormatV2ToV1(pendingDs), 200)}`)
  return parts.join('; ')
}

async function healthz(server: EaselServer): Promise<void> {
  try {
    const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) })
    const body = (await res.json()) as { ok?: boolean }
    if (!res.ok || body.ok !== true) throw new Error(`status ${res.status} ${JSON.stringify(body)}`)
  } catch (err) {
    throw new InvariantError(`/healthz did not answer: ${(err as Error).message}`)
  }
}

let honestSeq = 0
/** Honest shape ids restart per run, so reruns while shrinking see the same ids (and orders). */
export function resetHonestSeq(): void {
  honestSeq = 0
}

/**
 * What a run fails on. `all`: every invariant. `honest-access`: the same checks, but pending state
 * alone does not fail the run (it is reported alongside), so shrinking looks for the smallest input
 * that locks honest clients out rather than the smallest that leaves pending state.
 */
export type Focus = 'all' | 'honest-access'

/**
 * Every invariant: the server answers /healthz; the room's document has no pending structs or
 * deletes; a fresh ProtocolClient (hello) and a fresh stock y-websocket client join; neither
 * receives pending structs; a shape written by the first is seen by the second; the second,
 * reconnecting with the document it has (a page coming back from a network blip), stays connected
 * and its new shape reaches the server and the first client. Also, honest frames sent on the fuzz
 * socket (see Wire.honest) were not refused. All violations are reported together.
 */
export async function checkInvariants(
  server: EaselServer,
  room: string,
  focus: Focus = 'all',
  /** Violations found while sending (an honest frame refused). */
  earlier: string[] = [],
): Promise<void> {
  const problems: string[] = [...earlier]
  const notes: string[] = []
  const pendingProblem = (msg: string) => (focus === 'all' ? problems : notes).push(msg)
  if (processErrors.length > 0)
    problems.push(`uncaught exception in the process: ${processErrors.splice(0).join('\n')}`)
  await healthz(server) // nothing else can be checked without a server
  const roomDoc = server.rooms?.get(room)?.doc
  if (roomDoc) {
    const pending = pendingOf(roomDoc)
    if (pending) pendingProblem(`the room's document holds pending state: ${pending}`)
  }
  try {
    await honestClients(server, room, pendingProblem)
  } catch (err) {
    if (!(err instanceof InvariantError)) throw err
    problems.push(err.message)
  }
  if (problems.length > 0) {
    throw new InvariantError([...problems, ...notes.map((n) => `(also: ${n})`)].join('\n  AND '))
  }
}

async function honestClients(
  server: EaselServer,
  room: string,
  pendingProblem: (msg: string) => void,
): Promise<void> {
  const n = honestSeq++
  let a: TrackedProtocolClient | undefined
  let b: StockClient | undefined
  let c: StockClient | undefined
  try {
    b = stockProvider(server, room)
    a = await connectProtocolClient(server, room, `honest ProtocolClient #${n}`)
    await race(b.synced, b.closed, `fresh stock client #${n}: sync`)
    for (const [who, doc] of [
      ['fresh ProtocolClient', a.client.doc],
      ['fresh stock client', b.doc],
    ] as const) {
      const pending = pendingOf(doc)
      if (pending) pendingProblem(`${who} #${n} received pending state on join: ${pending}`)
    }
    const id = `honest-${n}`
    a.client.addShape(id, { x: n })
    const bb = b
    const bws = () => bb.provider.ws as unknown as WebSocket | null
    await seen(
      server,
      room,
      (doc) => doc.getMap('shapes').has(id),
      { ws: bws(), closed: b.closed },
      () => bb.doc.getMap('shapes').has(id),
      () => `stock client #${n} to see shape ${id} written by the ProtocolClient`,
    )
    const aa = a
    // A versioned write (tier 2): committed, and its value seen by the other client.
    const key = versionedKey(id, 'binding')
    const result = await race(
      a.client.commit({
        ops: [{ shapeId: id, field: 'binding', baseVersion: 0, value: { start: null, end: null } }],
      }),
      a.closed,
      `ProtocolClient #${n}: commit on ${id}`,
    )
    if (result.status !== 'ok')
      throw new InvariantError(`honest commit on ${id} was answered ${JSON.stringify(result)}`)
    const atV1 = (doc: Y.Doc) =>
      (versionedMap(doc).get(key) as { version?: number } | undefined)?.version === 1
    await seen(
      server,
      room,
      atV1,
      { ws: bws(), closed: b.closed },
      () => atV1(bb.doc),
      () =>
        `stock client #${n} to see the committed ${key} (version 1); it has ${JSON.stringify(versionedMap(bb.doc).get(key)) ?? 'nothing'}`,
    )
    // Reconnect with the state it has, as a page does after a network blip.
    b.destroy()
    const old = b.doc
    b = undefined
    c = stockProvider(server, room, old)
    await race(c.synced, c.closed, `stock client #${n} reconnecting with its document: sync`)
    const id2 = `honest-${n}-again`
    insertShape(old, id2, { ...RECT, x: n })
    const cc = c
    await until(
      () => (server.rooms ? server.rooms.get(room)?.doc.getMap('shapes').has(id2) === true : true),
      c.closed,
      `shape ${id2} from the reconnected stock client #${n} to reach the server`,
    )
    await seen(
      server,
      room,
      (doc) => doc.getMap('shapes').has(id2),
      { ws: aa.client.ws, closed: a.closed },
      () => aa.client.doc.getMap('shapes').has(id2),
      () => `ProtocolClient #${n} to see ${id2} from the reconnected stock client`,
    )
    if (cc.closes.length > 0) {
      throw new InvariantError(
        `reconnected stock client #${n} was closed with ${cc.closes.map((x) => `${x.code} "${x.reason}"`).join(', ')}`,
      )
    }
    if (clientErrors.length > 0) throw new InvariantError(clientErrors.splice(0).join('\n'))
  } finally {
    a?.client.close()
    b?.destroy()
    c?.destroy()
    clientErrors.length = 0
  }
}

// ---------------------------------------------------------------------------------------------
// Document snapshots for the reload check
// ---------------------------------------------------------------------------------------------

type ItemLike = {
  deleted: boolean
  countable: boolean
  content: { getContent(): unknown[] }
  right: ItemLike | null
}
type TypeLike = { _map: Map<string, ItemLike>; _start: ItemLike | null }

function dumpValue(v: unknown): unknown {
  if (v instanceof Y.AbstractType) return { [`<${v.constructor.name}>`]: dumpType(v as unknown as TypeLike) }
  if (v instanceof Y.Doc) return { '<subdoc>': v.guid }
  if (v instanceof Uint8Array) return { '<binary>': hex(v) }
  return v
}

function dumpType(t: TypeLike): unknown {
  const map: Record<string, unknown> = {}
  for (const [k, item] of [...t._map].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (!item.deleted) map[k] = dumpValue(item.content.getContent().at(-1))
  }
  const list: unknown[] = []
  for (let it = t._start; it; it = it.right) {
    if (it.deleted) continue
    const content = it.content.getContent()
    if (it.countable) list.push(...content.map(dumpValue))
    else list.push({ '<uncountable>': content.map(dumpValue) })
  }
  const out: Record<string, unknown> = {}
  if (Object.keys(map).length > 0) out.map = map
  if (list.length > 0) out.list = list
  return out
}

/** Every root of a document as JSON-like data (empty roots omitted), plus its state vector. */
export function snapshot(doc: Y.Doc): { roots: Record<string, unknown>; stateVector: [number, number][] } {
  const roots: Record<string, unknown> = {}
  for (const key of [...doc.share.keys()].sort()) {
    const d = dumpType(doc.share.get(key) as unknown as TypeLike) as Record<string, unknown>
    if (Object.keys(d).length > 0) roots[key] = d
  }
  const stateVector = [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b)
  return { roots, stateVector }
}

// ---------------------------------------------------------------------------------------------
// The fuzz socket
// ---------------------------------------------------------------------------------------------

type Outcome = { closed: false } | { closed: true; code: number; reason: string }

/** A raw socket to the room that sends one frame at a time and learns what the server did with it. */
class FuzzSocket {
  closedWith: { code: number; reason: string } | null = null
  /** Easel messages received since the last {@link takeReceived}, as log lines. */
  received: string[] = []
  private pingSeq = 0
  private constructor(readonly ws: WebSocket) {}

  static async open(
    server: EaselServer,
    room: string,
    ctx: FuzzContext,
    hello: boolean,
  ): Promise<FuzzSocket> {
    const ws = new WebSocket(`${wsUrl(server)}/${room}`)
    ws.binaryType = 'nodebuffer'
    const s = new FuzzSocket(ws)
    ws.on('close', (code, reason) => {
      s.closedWith = { code, reason: reason.toString() }
    })
    ws.on('error', () => {})
    ws.on('message', (data: Buffer) => {
      try {
        const d = decoding.createDecoder(new Uint8Array(data))
        if (decoding.readVarUint(d) !== MessageType.Easel) return
        const m = JSON.parse(decoding.readVarString(d)) as ServerMessage
        if (m.t === 'lock.granted' || m.t === 'lock.renewed') ctx.tokens.set(m.shapeId, m.token)
        if (m.t !== 'welcome' && m.t !== 'leases' && m.t !== 'leases.changed')
          s.received.push(`     <- ${JSON.stringify(m)}`)
      } catch {
        // not ours to judge here
      }
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    if (hello) {
      ws.send(
        encodeEaselFrame({
          t: 'hello',
          protocol: PROTOCOL_VERSION,
          name: 'fuzzer',
        }),
      )
      await s.barrier()
    }
    return s
  }

  get open(): boolean {
    return this.closedWith === null && this.ws.readyState === WebSocket.OPEN
  }

  /**
   * Waits until the server has handled everything sent before: ws answers a ping only after the
   * frames ahead of it were handled (synchronously), and not at all once it closed the socket.
   */
  async barrier(): Promise<Outcome> {
    const tag = Buffer.from(`b${this.pingSeq++}`)
    const result = await new Promise<Outcome | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), STEP_TIMEOUT_MS)
      const onPong = (data: Buffer) => {
        if (!data.equals(tag)) return
        done({ closed: false })
      }
      const onClose = (code: number, reason: Buffer) =>
        done({ closed: true, code, reason: reason.toString() })
      const done = (o: Outcome) => {
        clearTimeout(timer)
        this.ws.off('pong', onPong)
        this.ws.off('close', onClose)
        resolve(o)
      }
      if (this.closedWith) return done({ closed: true, ...this.closedWith })
      this.ws.on('pong', onPong)
      this.ws.on('close', onClose)
      try {
        this.ws.ping(tag)
      } catch {
        // closing: the close event follows
      }
    })
    if (result === 'timeout')
      throw new InvariantError(
        `the server did not answer a ping within ${STEP_TIMEOUT_MS} ms after the frame`,
      )
    return result
  }

  async send(bytes: Uint8Array): Promise<Outcome> {
    this.ws.send(bytes, { binary: true })
    return this.barrier()
  }

  takeReceived(): string[] {
    return this.received.splice(0)
  }

  close(): void {
    this.ws.terminate()
  }
}

// ---------------------------------------------------------------------------------------------
// A run: one server, a seeded room, frames, invariants after each, reload at the end
// ---------------------------------------------------------------------------------------------

export type SetupSpec = {
  /** Shapes created by an honest client before fuzzing (ids s1..). */
  shapes: number
  /** Versioned commits made by the honest client before fuzzing: [shape index, field, how many times]. */
  commits: { shape: number; field: VersionedField; times: number }[]
  /** Whether the fuzz socket opens with `hello`. */
  hello: boolean
}

const setupKinds = ['rect', 'text', 'arrow'] as const

async function seedRoom(server: EaselServer, setup: SetupSpec, log: string[]): Promise<void> {
  if (setup.shapes === 0 && setup.commits.length === 0) return
  const { client } = await connectProtocolClient(server, ROOM, 'setup')
  try {
    const n = Math.max(1, setup.shapes)
    for (let i = 0; i < n; i++) client.addShape(`s${i + 1}`, { kind: setupKinds[i % 3]!, x: i * 10 })
    const doc = () => server.rooms.get(ROOM)!.doc
    const deadline = Date.now() + STEP_TIMEOUT_MS
    while (shapesMap(doc()).size < n) {
      if (Date.now() > deadline) throw new Error('setup: shapes did not reach the server')
      await sleep(5)
    }
    const versions = new Map<string, number>()
    for (const { shape, field, times } of setup.commits) {
      const shapeId = `s${(shape % n) + 1}`
      let token: number | undefined
      if (field === 'text') {
        // A shape the setup deleted has no lease to give (`unknown_shape`): its text commits fail.
        const answer = client.next(
          (m) => (m.t === 'lock.granted' || m.t === 'lock.denied') && m.shapeId === shapeId,
        )
        client.send({ t: 'lock.acquire', shapeId, wait: false })
        const a = await answer
        if (a.t === 'lock.granted') token = a.token
      }
      for (let k = 0; k < times; k++) {
        const key = `${shapeId}:${field}`
        const base = versions.get(key) ?? 0
        const value = {
          deleted: k % 2 === 0,
          binding: { start: null, end: k % 2 ? 's1' : null },
          parent: null,
          locked: k % 2 === 0,
          text: `text ${k}`,
        }[field]
        const r = await client.commit({
          ops: [{ shapeId, field, baseVersion: base, value }],
          ...(token === undefined ? {} : { token }),
        })
        log.push(`setup commit ${key} v${base} ${JSON.stringify(value)} -> ${JSON.stringify(r)}`)
        if (r.status === 'ok') versions.set(key, r.versions[0]!)
      }
      if (token !== undefined) client.send({ t: 'lock.release', shapeId, token })
    }
  } finally {
    client.close()
  }
}

function replicaAhead(replica: Y.Doc, room: Y.Doc): boolean {
  const roomSv = Y.decodeStateVector(Y.encodeStateVector(room))
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(replica)))
    if ((roomSv.get(client) ?? 0) < clock) return true
  return false
}

/** Formats the run's log: setup, then each frame sent with its outcome and hex. */
function report(setup: SetupSpec, log: string[], failure: string): string {
  return [
    failure,
    `setup: ${JSON.stringify(setup)}`,
    'log: setup, then every frame sent on the fuzz socket (hex) with what the server did:',
    ...log.map((l) => `  ${l}`),
  ].join('\n')
}

/**
 * One fuzz run against a fresh server: seed the room, send each frame (reopening the fuzz socket
 * after the server closed it), check every invariant after every frame, then restart the server
 * on the same data dir and check the room reloads to the same document.
 */
export async function runScenario(setup: SetupSpec, specs: FrameSpec[], focus: Focus = 'all'): Promise<void> {
  const dataDir = tempDir('easel-fuzz-')
  let server: EaselServer | undefined = await startServer({ dataDir })
  const log: string[] = []
  let fuzz: FuzzSocket | undefined
  let anchor: WebSocket | undefined
  resetHonestSeq()
  // Replica client ids are fixed per run (the server's own id is random), so shrinking reruns alike.
  let replicas = 0
  const newReplica = () => {
    const doc = new Y.Doc()
    doc.clientID = 0x5eed0 + replicas++
    return doc
  }
  let replica = newReplica()
  let stage = 'setup'
  const refusedHonest: string[] = []
  const ctx: FuzzContext = {
    roomDoc: () => {
      const room = server?.rooms.get(ROOM)
      if (!room) throw new InvariantError('the room is not loaded although a socket is in it')
      return room.doc
    },
    replica: () => replica,
    sent: [],
    tokens: new Map(),
    seq: { n: 0 },
  }
  /**
   * A silent socket keeps the room in memory for the whole run, so its document can be inspected.
   * Should the server close it (a room reload closes everyone with 1012), it is reopened.
   */
  const ensureAnchor = async (srv: EaselServer) => {
    if (anchor && anchor.readyState === WebSocket.OPEN) return
    if (anchor)
      log.push(`(the anchor socket was closed${anchorClose ? ` with ${anchorClose}` : ''}; reopened)`)
    anchorClose = ''
    const ws = new WebSocket(`${wsUrl(srv)}/${ROOM}`)
    anchor = ws
    ws.on('error', () => {})
    ws.on('close', (code, reason) => {
      anchorClose = `${code} "${reason.toString()}"`
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
  }
  let anchorClose = ''
  try {
    await ensureAnchor(server)
    await seedRoom(server, setup, log)
    stage = 'after setup'
    await checkInvariants(server, ROOM, focus)
    syncReplica(ctx)
    for (let i = 0; i < specs.length; i++) {
      stage = `after frame spec ${i + 1} of ${specs.length}`
      await ensureAnchor(server)
      const wires = materialize(ctx, specs[i]!)
      let desynced = false
      for (const wire of wires) {
        if (!fuzz?.open) {
          fuzz?.close()
          fuzz = await FuzzSocket.open(server, ROOM, ctx, setup.hello)
          log.push(`(new fuzz socket${setup.hello ? ', sent hello' : ''})`)
        }
        ctx.sent.push(wire.bytes)
        const mark = log.length
        log.push(`#${ctx.sent.length} ${wire.label}\n     ${hex(wire.bytes)}`)
        const t1 = performance.now()
        const outcome = await fuzz.send(wire.bytes)
        if (process.env.FUZZ_DEBUG) console.log(`frame: ${(performance.now() - t1).toFixed(0)} ms`)
        log.push(`     -> ${outcome.closed ? `closed ${outcome.code} "${outcome.reason}"` : 'accepted'}`)
        await sleep(5) // commits and lease operations finish on the authority's queue
        log.push(...fuzz.takeReceived())
        if (outcome.closed && wire.honest) {
          refusedHonest.push(
            `honest frame #${ctx.sent.length} (${wire.label}) was refused with ${outcome.code} "${outcome.reason}"`,
          )
        }
        if (process.env.FUZZ_DEBUG) console.log(log.slice(mark).join('\n'))
        if (outcome.closed) desynced = true
      }
      await ensureAnchor(server)
      // The replica stands for an honest synced client: once it holds edits the room refused or
      // never got, a fresh one takes over.
      if (desynced || desyncsReplica(specs[i]!) || replicaAhead(replica, ctx.roomDoc())) {
        replica = newReplica()
        syncReplica(ctx)
      }
      const t0 = performance.now()
      await checkInvariants(server, ROOM, focus, refusedHonest.splice(0))
      if (process.env.FUZZ_DEBUG)
        console.log(`check after spec ${i + 1}: ${(performance.now() - t0).toFixed(0)} ms`)
    }
    stage = 'reload'
    fuzz?.close()
    const before = snapshot(ctx.roomDoc())
    await server.close()
    server = await startServer({ dataDir })
    const joiner = await connectProtocolClient(server, ROOM, 'reload joiner')
    try {
      await sleep(20)
      const after = snapshot(ctx.roomDoc())
      const seen = snapshot(joiner.client.doc)
      const b = JSON.stringify(before)
      if (JSON.stringify(after) !== b) {
        throw new InvariantError(
          `the reloaded room differs from the room before the restart:\n before ${b}\n after  ${JSON.stringify(after)}`,
        )
      }
      if (JSON.stringify(seen.roots) !== JSON.stringify(before.roots)) {
        throw new InvariantError(
          `a client joining the reloaded room sees another document:\n before ${JSON.stringify(before.roots)}\n joiner ${JSON.stringify(seen.roots)}`,
        )
      }
    } finally {
      joiner.client.close()
    }
  } catch (err) {
    if (err instanceof InvariantError)
      throw new InvariantError(report(setup, log, `${stage}: ${err.message}`))
    throw new Error(report(setup, log, `${stage}: harness error ${(err as Error).stack}`))
  } finally {
    fuzz?.close()
    anchor?.terminate()
    await server?.close().catch(() => {})
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}
