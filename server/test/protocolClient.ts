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

/**
 * A hand-driven Easel client on a raw socket: Yjs sync into its own doc, plus every Easel message
 * recorded, so tests can assert on exactly what the server said.
 */
export class ProtocolClient {
  readonly received: ServerMessage[] = []
  private waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = []
  readonly synced: Promise<void>
  readonly closed: Promise<{ code: number; reason: string }>

  /** Wraps a socket that is still opening; `connect` also handshakes. */
  constructor(
    readonly ws: WebSocket,
    readonly clientId: string,
    /** The client's replica; pass an existing one to reconnect with what it already has. */
    readonly doc: Y.Doc,
  ) {
    let resolveSynced!: () => void
    this.synced = new Promise((r) => {
      resolveSynced = r
    })
    this.closed = new Promise((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    )
    ws.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data))
      const type = decoding.readVarUint(decoder)
      if (type === MessageType.Sync) {
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, MessageType.Sync)
        const step = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
        if (encoding.length(encoder) > 1) ws.send(encoding.toUint8Array(encoder))
        if (step === syncProtocol.messageYjsSyncStep2) resolveSynced()
      } else if (type === MessageType.Easel) {
        const m = JSON.parse(decoding.readVarString(decoder)) as ServerMessage
        this.received.push(m)
        for (const w of [...this.waiters]) {
          if (w.match(m)) {
            this.waiters.splice(this.waiters.indexOf(w), 1)
            w.resolve(m)
          }
        }
      }
    })
    this.doc.on('update', this.onUpdate)
    ws.once('close', () => this.doc.off('update', this.onUpdate))
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this || this.ws.readyState !== this.ws.OPEN) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeUpdate(encoder, update)
    this.ws.send(encoding.toUint8Array(encoder))
  }

  static async connect(
    wsBase: string,
    room: string,
    opts: { name?: string; clientId?: string; hello?: boolean; doc?: Y.Doc } = {},
  ): Promise<ProtocolClient> {
    const ws = new WebSocket(`${wsBase}/${room}`)
    const client = new ProtocolClient(
      ws,
      opts.clientId ?? `client-${Math.random().toString(36).slice(2, 12)}`,
      opts.doc ?? new Y.Doc(),
    )
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeSyncStep1(encoder, client.doc)
    ws.send(encoding.toUint8Array(encoder))
    if (opts.hello !== false) {
      const welcome = client.next((m) => m.t === 'welcome')
      client.send({
        t: 'hello',
        protocol: PROTOCOL_VERSION,
        name: opts.name ?? 'tester',
        clientId: client.clientId,
      })
      await welcome
    }
    await client.synced
    return client
  }

  send(message: ClientMessage): void {
    this.ws.send(encodeEaselFrame(message))
  }

  /** The next message matching `match` that arrives after this call (earlier ones are in `received`). */
  next(match: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a server message')), timeoutMs)
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m)
        },
      })
    })
  }

  async commit(req: Omit<CommitRequest, 'opId'> & { opId?: string }): Promise<CommitResult> {
    const opId = req.opId ?? newOpId()
    const answer = this.next((m) => m.t === 'commitResult' && m.opId === opId)
    this.send({ t: 'commit', ...req, opId })
    return ((await answer) as Extract<ServerMessage, { t: 'commitResult' }>).result
  }

  /** Creates a shape through a plain Yjs update and waits until the server echoes nothing back (sent). */
  addShape(id: string, props: Partial<CrdtProps> = {}): void {
    insertShape(this.doc, id, { ...RECT, ...props })
  }

  close(): void {
    this.doc.off('update', this.onUpdate)
    this.ws.close()
  }
}
