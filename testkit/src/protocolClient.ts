import { performance } from 'node:perf_hooks'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  type ClientMessage,
  type CommitRequest,
  type CommitResult,
  type CrdtProps,
  encodeEaselFrame,
  insertShape,
  MessageType,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@easel/shared'

export const RECT: CrdtProps = {
  kind: 'rect',
  x: 0,
  y: 0,
  w: 100,
  h: 100,
  rotation: 0,
  z: 'a0',
  stroke: '#1e1e1e',
  fill: 'transparent',
  strokeWidth: 2,
  opacity: 1,
}

let opCounter = 0
export const newOpId = () => `op-${process.pid}-${Date.now()}-${opCounter++}`

export type ProtocolClientOptions = {
  /**
   * Apply the room's Yjs updates after the initial sync (default true). A load generator turns it
   * off: at 1 000 commits/s every projection reaches every client, and applying them all would
   * make the driver, not the server, the bottleneck.
   */
  applyUpdates?: boolean
}

export type ConnectOptions = ProtocolClientOptions & {
  name?: string
  color?: string
  /** A `resume` secret from an earlier welcome: continue that session (and keep its leases). */
  resume?: string
  /** Label in error messages (default: a random one). */
  label?: string
  /** Send `hello` and wait for the welcome (default true). */
  hello?: boolean
  /** The client's replica; pass an existing one to reconnect with what it already has. */
  doc?: Y.Doc
  /** Offer permessage-deflate (default true, as `ws` does). */
  perMessageDeflate?: boolean
  /** Bound on connecting, syncing and the welcome. */
  timeoutMs?: number
}

type Waiter = {
  match: (m: ServerMessage) => boolean
  resolve: (r: { message: ServerMessage; at: number }) => void
}

function syncFrame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/**
 * A hand-driven Easel client on a raw socket: Yjs sync into its own doc, plus every Easel message
 * recorded with its arrival time, so tests can assert on exactly what the server said.
 */
export class ProtocolClient {
  /** When the frame being handled (or the last one) arrived: `performance.now()`. */
  frameAt = 0
  readonly received: ServerMessage[] = []
  /** Called for every Easel message with its arrival time (`performance.now()`). */
  onMessage: ((message: ServerMessage, at: number) => void) | null = null
  /** Set once the socket closed. */
  closeCode: number | null = null
  readonly synced: Promise<void>
  readonly closed: Promise<{ code: number; reason: string }>
  private waiters: Waiter[] = []
  private isSynced = false
  private readonly applyUpdates: boolean
  /** The session the server gave this client in `welcome` (null before, or without hello). */
  sessionId: string | null = null
  /** The secret that resumes this session in a later `connect({ resume })`. */
  resume: string | null = null

  /** Wraps a socket that is still opening; `connect` also handshakes. */
  constructor(
    readonly ws: WebSocket,
    /** Names this client in error messages. */
    readonly label: string,
    readonly doc: Y.Doc,
    options: ProtocolClientOptions = {},
  ) {
    this.applyUpdates = options.applyUpdates ?? true
    let resolveSynced!: () => void
    this.synced = new Promise((r) => {
      resolveSynced = r
    })
    this.closed = new Promise((r) =>
      ws.once('close', (code, reason) => {
        this.closeCode = code
        r({ code, reason: reason.toString() })
      }),
    )
    // Surfaced through `close`; a test or benchmark that drops sockets on purpose expects it.
    ws.on('error', () => {})
    ws.on('message', (data: Buffer) => {
      const at = performance.now()
      this.frameAt = at
      const decoder = decoding.createDecoder(new Uint8Array(data))
      const type = decoding.readVarUint(decoder)
      if (type === MessageType.Sync) {
        const kind = decoding.peekVarUint(decoder)
        if (this.isSynced && !this.applyUpdates && kind !== syncProtocol.messageYjsSyncStep1) return
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, MessageType.Sync)
        const step = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
        if (encoding.length(encoder) > 1) ws.send(encoding.toUint8Array(encoder))
        if (step === syncProtocol.messageYjsSyncStep2) {
          this.isSynced = true
          resolveSynced()
        }
      } else if (type === MessageType.Easel) {
        const message = JSON.parse(decoding.readVarString(decoder)) as ServerMessage
        if (message.t === 'welcome') {
          this.sessionId = message.sessionId
          this.resume = message.resume
        }
        this.received.push(message)
        this.onMessage?.(message, at)
        for (const w of [...this.waiters]) {
          if (w.match(message)) {
            this.waiters.splice(this.waiters.indexOf(w), 1)
            w.resolve({ message, at })
          }
        }
      }
    })
    this.doc.on('update', this.onUpdate)
    ws.once('close', () => this.doc.off('update', this.onUpdate))
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this || this.ws.readyState !== this.ws.OPEN) return
    this.ws.send(syncFrame((encoder) => syncProtocol.writeUpdate(encoder, update)))
  }

  static async connect(wsBase: string, room: string, opts: ConnectOptions = {}): Promise<ProtocolClient> {
    const ws = new WebSocket(`${wsBase}/${room}`, { perMessageDeflate: opts.perMessageDeflate ?? true })
    const client = new ProtocolClient(
      ws,
      opts.label ?? `client-${Math.random().toString(36).slice(2, 12)}`,
      opts.doc ?? new Y.Doc(),
      opts,
    )
    const timeoutMs = opts.timeoutMs ?? 15_000
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connecting to ${room} timed out`)), timeoutMs)
    })
    try {
      await Promise.race([
        timeout,
        new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve())
          ws.once('error', reject)
        }),
      ])
      ws.send(syncFrame((encoder) => syncProtocol.writeSyncStep1(encoder, client.doc)))
      if (opts.hello !== false) {
        const welcome = client.next((m) => m.t === 'welcome', timeoutMs)
        client.send({
          t: 'hello',
          protocol: PROTOCOL_VERSION,
          name: opts.name ?? 'tester',
          ...(opts.color === undefined ? {} : { color: opts.color }),
          ...(opts.resume === undefined ? {} : { resume: opts.resume }),
        })
        await Promise.race([timeout, welcome])
      }
      await Promise.race([timeout, client.synced])
    } catch (err) {
      ws.terminate()
      throw err
    } finally {
      clearTimeout(timer)
    }
    return client
  }

  send(message: ClientMessage): void {
    this.ws.send(encodeEaselFrame(message))
  }

  /** The next message matching `match` that arrives after this call, and when it arrived. */
  nextAt(
    match: (m: ServerMessage) => boolean,
    timeoutMs = 5000,
  ): Promise<{ message: ServerMessage; at: number }> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (r) => {
          clearTimeout(timer)
          resolve(r)
        },
      }
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        reject(new Error(`${this.label}: no matching server message within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** The next message matching `match` that arrives after this call (earlier ones are in `received`). */
  async next(match: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    return (await this.nextAt(match, timeoutMs)).message
  }

  /** Sends a commit (`as`: another session's resume secret, as a new tab replaying it) and awaits its answer. */
  async commit(req: Omit<CommitRequest, 'opId'> & { opId?: string; as?: string }): Promise<CommitResult> {
    const opId = req.opId ?? newOpId()
    const answer = this.next((m) => m.t === 'commitResult' && m.opId === opId)
    this.send({ t: 'commit', ...req, opId })
    return ((await answer) as Extract<ServerMessage, { t: 'commitResult' }>).result
  }

  /** Creates a shape through a plain Yjs update (sent to the server at once). */
  addShape(id: string, props: Partial<CrdtProps> = {}): void {
    insertShape(this.doc, id, { ...RECT, ...props })
  }

  /** Orderly close; resolves once the socket is closed (terminated after `timeoutMs`). */
  async close(timeoutMs = 2_000): Promise<void> {
    this.doc.off('update', this.onUpdate)
    if (this.ws.readyState === WebSocket.CLOSED) return
    this.ws.close()
    const timer = setTimeout(() => this.ws.terminate(), timeoutMs)
    await this.closed
    clearTimeout(timer)
  }

  /** Destroys the socket without a close frame, as when the process dies. */
  terminate(): void {
    this.ws.terminate()
  }
}

/** Connects `count` clients in parallel; on any failure closes the ones that connected. */
export async function connectMany(
  wsBase: string,
  room: string,
  count: number,
  opts: (i: number) => ConnectOptions = () => ({}),
): Promise<ProtocolClient[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => ProtocolClient.connect(wsBase, room, opts(i))),
  )
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) {
    await Promise.all(ok.map((c) => c.close()))
    throw (failed as PromiseRejectedResult).reason
  }
  return ok
}
