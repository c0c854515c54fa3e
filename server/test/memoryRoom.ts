/**
 * Rooms without sockets: each client is a {@link Connection} over an in-memory pipe whose frames
 * move only when the test calls `settle()` (or `deliverToServer` / `deliverToClient` for one
 * direction), so Room tests are deterministic and need no ports, timers or polling.
 */
import { randomBytes } from 'node:crypto'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import pino from 'pino'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  type Authority,
  type ClientMessage,
  type CommitRequest,
  type CommitResult,
  type CrdtProps,
  encodeEaselFrame,
  insertShape,
  MemoryAuthority,
  MessageType,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@easel/shared'
import {
  AuthorityExtension,
  Connection,
  type Extension,
  MemoryPersistence,
  type Persistence,
  type Room,
  Rooms,
} from '../src/index.ts'
import { Limits } from '../src/limits.ts'
import { newOpId, RECT } from '@easel/testkit/protocolClient.ts'
import { SessionKeys } from '../src/authority/identity.ts'

export type MemoryServerOptions = {
  extensions?: Extension[]
  persistence?: Persistence
  authority?: Authority
  compactAfter?: number
  unloadDelayMs?: number
}

type Close = { code: number; reason: string }

/** The server side of the room sockets, with the built-in authority extension first. */
export class MemoryServer {
  readonly persistence: Persistence
  readonly authority: AuthorityExtension
  readonly rooms: Rooms
  readonly clients = new Set<MemoryClient>()
  /** Leaves (and the unloads they trigger) under way. */
  private readonly leaving = new Set<Promise<void>>()

  constructor(options: MemoryServerOptions = {}) {
    const lease = { ttlMs: 10_000, idleMs: 30_000 }
    this.persistence = options.persistence ?? new MemoryPersistence()
    this.authority = new AuthorityExtension(options.authority ?? new MemoryAuthority(lease), lease)
    this.rooms = new Rooms(this.persistence, {
      compactAfter: options.compactAfter ?? 500,
      maxRooms: 1e9,
      maxDocBytes: 1e12,
      limits: new Limits(),
      lease,
      unloadDelayMs: options.unloadDelayMs ?? 0,
      log: pino({ level: 'silent' }),
      extensions: [this.authority, ...(options.extensions ?? [])],
      sessions: new SessionKeys(randomBytes(32)),
    })
  }

  /**
   * Opens a client on `room` as a socket to `/ws/<room><query>` would: connect hooks, join, then
   * the client's sync step 1 and (unless `hello: false`) its `hello`, all settled.
   */
  async connect(
    room: string,
    opts: {
      name?: string
      label?: string
      resume?: string
      hello?: boolean
      doc?: Y.Doc
      query?: string
    } = {},
  ): Promise<MemoryClient> {
    const client = new MemoryClient(this, room, opts.label ?? `client-${this.clients.size + 1}`, opts.doc)
    this.clients.add(client)
    client.sendSyncStep1()
    if (opts.hello !== false) {
      client.send({
        t: 'hello',
        protocol: PROTOCOL_VERSION,
        name: opts.name ?? 'tester',
        ...(opts.resume === undefined ? {} : { resume: opts.resume }),
      })
    }
    client.room = await this.rooms.enter(client.conn, {
      room,
      request: { url: `/ws/${room}${opts.query ?? ''}`, headers: {} },
      readOnly: false,
    })
    await this.settle()
    return client
  }

  /** The connection is gone (either side closed it): it leaves its room, which may unload. */
  disconnected(client: MemoryClient): void {
    this.clients.delete(client)
    const room = client.room
    if (!room) return
    const left = room.leave(client.conn).then(() => this.rooms.release(room))
    this.leaving.add(left)
    void left.then(() => this.leaving.delete(left))
  }

  /**
   * Moves frames both ways until none is left, letting queued storage, authority and room work
   * finish in between (one event-loop turn per round; no timers).
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      let moved = 0
      for (const c of this.clients) moved += c.deliverToServer()
      await this.quiet()
      for (const c of this.clients) moved += c.deliverToClient()
      if (moved === 0) return
    }
    throw new Error('frames kept flowing after 1000 rounds')
  }

  /** One event-loop turn: every promise continuation that can run now has run. */
  turn(): Promise<void> {
    return new Promise((r) => setImmediate(r))
  }

  /**
   * Waits until no room is loading, unloading or working and no leave is under way, giving
   * promise continuations (storage, the authority) one event-loop turn each round.
   */
  async quiet(): Promise<void> {
    do {
      await new Promise((r) => setImmediate(r))
      await Promise.all([...this.leaving, ...[...this.rooms].map((r) => r.idle())])
    } while (this.rooms.busy || this.leaving.size > 0)
    await new Promise((r) => setImmediate(r))
  }
}

/** One client: its own Y.Doc and awareness, and the two directions of its pipe. */
export class MemoryClient {
  readonly conn: Connection
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  /** Easel messages the server sent, in order. */
  readonly received: ServerMessage[] = []
  /** Set when the server closed the connection. */
  closedBy: Close | null = null
  room: Room | null = null
  /** Frames on their way: server to client, and client to server. */
  readonly toClient: Uint8Array[] = []
  readonly toServer: Uint8Array[] = []

  constructor(
    private readonly server: MemoryServer,
    roomName: string,
    /** Names the client in test output. */
    readonly label: string,
    doc = new Y.Doc(),
  ) {
    this.doc = doc
    this.awareness = new awarenessProtocol.Awareness(doc)
    this.conn = new Connection(
      {
        send: (frame) => this.toClient.push(frame),
        close: (code, reason) => {
          this.closedBy = { code, reason }
          this.detach()
          this.server.disconnected(this)
        },
      },
      roomName,
      pino({ level: 'silent' }),
      { perSec: 1e9, burst: 1e9, bytesPerSec: 1e12, bytesBurst: 1e12 },
    )
    doc.on('update', this.onUpdate)
    this.awareness.on('update', this.onAwareness)
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeUpdate(encoder, update)
    this.toServer.push(encoding.toUint8Array(encoder))
  }

  private readonly onAwareness = ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
    if (origin === this) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Awareness)
    encoding.writeVarUint8Array(
      encoder,
      awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added!, ...updated!, ...removed!]),
    )
    this.toServer.push(encoding.toUint8Array(encoder))
  }

  get open(): boolean {
    return !this.conn.closed
  }

  sendSyncStep1(): void {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this.toServer.push(encoding.toUint8Array(encoder))
  }

  send(message: ClientMessage): void {
    this.toServer.push(encodeEaselFrame(message))
  }

  /** Queues a hand-made frame, as a hostile or broken client would send it. */
  sendRaw(frame: Uint8Array): void {
    this.toServer.push(frame)
  }

  addShape(id: string, props: Partial<CrdtProps> = {}): void {
    insertShape(this.doc, id, { ...RECT, ...props })
  }

  /** Commits and settles; resolves with the server's answer. */
  async commit(req: Omit<CommitRequest, 'opId'> & { opId?: string }): Promise<CommitResult> {
    const opId = req.opId ?? newOpId()
    this.send({ t: 'commit', ...req, opId })
    await this.server.settle()
    const answer = this.received.find((m) => m.t === 'commitResult' && m.opId === opId)
    if (answer?.t !== 'commitResult') throw new Error(`no answer to commit ${opId}`)
    return answer.result
  }

  /** Hands every queued client frame to the room, in order; returns how many. */
  deliverToServer(): number {
    const frames = this.toServer.splice(0)
    if (this.conn.closed || !this.room) {
      if (!this.room && !this.conn.closed) this.toServer.unshift(...frames)
      return 0
    }
    for (const frame of frames) void this.room.receive(this.conn, frame)
    return frames.length
  }

  /** Applies every queued server frame to the client; returns how many. */
  deliverToClient(): number {
    const frames = this.toClient.splice(0)
    for (const frame of frames) this.handle(frame)
    return frames.length
  }

  private handle(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame)
    const type = decoding.readVarUint(decoder)
    if (type === MessageType.Sync) {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MessageType.Sync)
      syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
      if (encoding.length(encoder) > 1 && this.open) this.toServer.push(encoding.toUint8Array(encoder))
    } else if (type === MessageType.Awareness) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this)
    } else if (type === MessageType.Easel) {
      this.received.push(JSON.parse(decoding.readVarString(decoder)) as ServerMessage)
    }
  }

  /** Client-side close (a tab closing, a network cut without goodbye). */
  close(): void {
    if (this.conn.closed) return
    this.conn.closed = true
    this.detach()
    this.server.disconnected(this)
  }

  private detach(): void {
    this.doc.off('update', this.onUpdate)
    this.awareness.off('update', this.onAwareness)
  }
}
