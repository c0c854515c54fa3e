/**
 * A lean Easel client for the commit and lock benchmarks: one raw `ws` socket that does the
 * y-websocket handshake and `hello`, sends Easel messages and hands every Easel answer to the caller
 * with its arrival time.
 *
 * Unlike `server/test/protocolClient.ts` (which applies every update to its document and keeps every
 * message), a client here ignores the room's later Yjs updates unless `applyUpdates` is set, and keeps
 * nothing: at 1 000 commits/s every commit's projection reaches every one of 20 clients, and applying
 * 20 000 updates/s would make the single-threaded driver, not the server, the bottleneck. One
 * observer client per room applies everything and stands for "another user".
 */
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import * as Y from 'yjs'
import {
  type ClientMessage,
  encodeEaselFrame,
  MessageType,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@easel/shared'

/** y-protocols/sync message kinds (frame = MessageType.Sync, kind, varUint8Array payload). */
const SYNC_STEP1 = 0
const SYNC_STEP2 = 1
const SYNC_UPDATE = 2

/** lib0 varint decoding (the bench package does not depend on lib0 directly). */
class Reader {
  private pos = 0
  constructor(private readonly buf: Uint8Array) {}

  uint(): number {
    let n = 0
    let mult = 1
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint')
      const b = this.buf[this.pos++]!
      n += (b & 0x7f) * mult
      if (b < 0x80) return n
      mult *= 128
    }
  }

  bytes(): Uint8Array {
    const len = this.uint()
    if (this.pos + len > this.buf.length) throw new Error('truncated payload')
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }

  string(): string {
    return Buffer.from(this.bytes()).toString('utf8')
  }
}

function writeUint(out: number[], n: number): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
}

function syncFrame(kind: number, payload: Uint8Array): Uint8Array {
  const head: number[] = []
  writeUint(head, MessageType.Sync)
  writeUint(head, kind)
  writeUint(head, payload.length)
  const frame = new Uint8Array(head.length + payload.length)
  frame.set(head)
  frame.set(payload, head.length)
  return frame
}

export type EaselClientOptions = {
  /** Stable session id (leases belong to it); random by default. */
  clientId?: string
  name?: string
  /** Apply the room's Yjs updates after the initial sync (an observer). Default false. */
  applyUpdates?: boolean
  /** Bound on connecting, syncing and the welcome. */
  timeoutMs?: number
}

type Waiter = {
  match: (m: ServerMessage) => boolean
  resolve: (r: { message: ServerMessage; at: number }) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

let clientCounter = 0

export class EaselClient {
  /** The client's own document: holds its local writes (and, for an observer, the room's state). */
  readonly doc = new Y.Doc()
  /** Called for every Easel message with its arrival time (`performance.now()`). */
  onMessage: ((message: ServerMessage, at: number) => void) | null = null
  /** Set once the socket closed; `closeCode` says how. */
  closeCode: number | null = null
  private readonly waiters = new Set<Waiter>()
  private readonly closedPromise: Promise<void>
  private syncedResolve: (() => void) | null = null
  private readonly synced: Promise<void>

  private constructor(
    readonly ws: WebSocket,
    readonly clientId: string,
    private readonly applyUpdates: boolean,
  ) {
    this.synced = new Promise((resolve) => {
      this.syncedResolve = resolve
    })
    this.closedPromise = new Promise((resolve) => {
      ws.once('close', (code) => {
        this.closeCode = code
        for (const w of this.waiters) {
          clearTimeout(w.timer)
          w.reject(new Error(`socket of ${clientId} closed (${code})`))
        }
        this.waiters.clear()
        resolve()
      })
    })
    ws.on('error', () => {
      // Surfaced through `close`; a benchmark that terminates sockets on purpose expects this.
    })
    ws.on('message', (data: Buffer) =>
      this.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.length)),
    )
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this || ws.readyState !== WebSocket.OPEN) return
      ws.send(syncFrame(SYNC_UPDATE, update))
    })
  }

  static async connect(wsUrl: string, room: string, opts: EaselClientOptions = {}): Promise<EaselClient> {
    const timeoutMs = opts.timeoutMs ?? 15_000
    const ws = new WebSocket(`${wsUrl}/${room}`, { perMessageDeflate: false })
    const client = new EaselClient(
      ws,
      opts.clientId ?? `bench-${process.pid}-${++clientCounter}-${Math.random().toString(36).slice(2, 10)}`,
      opts.applyUpdates ?? false,
    )
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
      ws.send(syncFrame(SYNC_STEP1, Y.encodeStateVector(client.doc)))
      const welcome = client.next((m) => m.t === 'welcome', timeoutMs)
      client.send({
        t: 'hello',
        protocol: PROTOCOL_VERSION,
        name: opts.name ?? client.clientId.slice(0, 64),
        clientId: client.clientId,
      })
      await Promise.race([timeout, Promise.all([welcome, client.synced])])
    } catch (err) {
      ws.terminate()
      throw err
    } finally {
      clearTimeout(timer)
    }
    return client
  }

  private onFrame(frame: Uint8Array): void {
    const at = performance.now()
    const r = new Reader(frame)
    const type = r.uint()
    if (type === MessageType.Easel) {
      const message = JSON.parse(r.string()) as ServerMessage
      this.onMessage?.(message, at)
      for (const w of this.waiters) {
        if (w.match(message)) {
          this.waiters.delete(w)
          clearTimeout(w.timer)
          w.resolve({ message, at })
        }
      }
      return
    }
    if (type !== MessageType.Sync) return
    const kind = r.uint()
    if (kind === SYNC_STEP1) {
      this.ws.send(syncFrame(SYNC_STEP2, Y.encodeStateAsUpdate(this.doc, r.bytes())))
    } else if (kind === SYNC_STEP2 && this.syncedResolve) {
      Y.applyUpdate(this.doc, r.bytes(), this)
      this.syncedResolve()
      this.syncedResolve = null
    } else if (this.applyUpdates && (kind === SYNC_STEP2 || kind === SYNC_UPDATE)) {
      Y.applyUpdate(this.doc, r.bytes(), this)
    }
  }

  send(message: ClientMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeEaselFrame(message))
  }

  /** The next Easel message matching `match` (arriving after this call) and its arrival time. */
  nextAt(
    match: (m: ServerMessage) => boolean,
    timeoutMs = 10_000,
  ): Promise<{ message: ServerMessage; at: number }> {
    if (this.closeCode !== null) return Promise.reject(new Error(`socket of ${this.clientId} is closed`))
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter)
          reject(new Error(`${this.clientId}: no matching server message within ${timeoutMs} ms`))
        }, timeoutMs),
      }
      this.waiters.add(waiter)
    })
  }

  async next(match: (m: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage> {
    return (await this.nextAt(match, timeoutMs)).message
  }

  /** Orderly close; resolves once the socket is closed (terminated after `timeoutMs`). */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.closeCode === null) {
      this.ws.close()
      const timer = setTimeout(() => this.ws.terminate(), timeoutMs)
      await this.closedPromise
      clearTimeout(timer)
    }
    this.doc.destroy()
  }

  /** Destroys the socket without a close frame, as when the process dies. */
  terminate(): void {
    this.ws.terminate()
  }

  get closed(): Promise<void> {
    return this.closedPromise
  }
}

/** Connects `count` clients in parallel; on any failure closes the ones that connected. */
export async function connectMany(
  wsUrl: string,
  room: string,
  count: number,
  opts: (i: number) => EaselClientOptions = () => ({}),
): Promise<EaselClient[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => EaselClient.connect(wsUrl, room, opts(i))),
  )
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) {
    await Promise.all(ok.map((c) => c.close()))
    throw (failed as PromiseRejectedResult).reason
  }
  return ok
}
