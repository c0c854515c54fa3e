import NodeWebSocket from 'ws'
import type { Random } from './random.ts'

/** How one simulated user's network misbehaves right now. */
export type NetworkFaults = {
  /** Extra latency per frame, uniform in [0, maxDelayMs] (order is kept, as TCP keeps it). */
  maxDelayMs: number
  /** Probability that a frame is delivered twice (a retransmission the app layer must absorb). */
  duplicateRate: number
}

type Listener<E> = ((event: E) => void) | null
type MessageEventLike = { data: ArrayBuffer }
type CloseEventLike = { code: number; reason: string; wasClean: boolean }

/**
 * One user's network, between its browser-side WebSocket and the real server: it can delay and
 * duplicate frames (keeping their order), cut every socket, refuse new connections (an offline
 * spell the browser does not notice), and freeze: frames are held in both directions while the
 * socket stays open, as for a frozen tab or a partition, and flow again on thaw.
 *
 * `socketClass()` is what the client's BoardSync gets as its `WebSocket`.
 */
export class FaultyNetwork {
  faults: NetworkFaults = { maxDelayMs: 0, duplicateRate: 0 }
  /** New connections fail (connection refused) while set. */
  down = false
  frozen = false
  /** Close codes the server sent this user (what y-websocket saw), in order. */
  readonly closeCodes: { code: number; reason: string; at: number }[] = []
  readonly stats = { sockets: 0, framesOut: 0, framesIn: 0, duplicated: 0, cut: 0 }
  private readonly sockets = new Set<FaultySocket>()

  constructor(private readonly random: Random) {}

  /** A WebSocket class bound to this network. */
  socketClass(): typeof WebSocket {
    const net = this
    class BoundSocket extends FaultySocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(net, String(url), protocols)
      }
    }
    return BoundSocket as unknown as typeof WebSocket
  }

  /** Cuts every open socket, as a dropped connection does (the client sees 1006). */
  cutAll(): void {
    for (const s of [...this.sockets]) {
      this.stats.cut++
      s.cut()
    }
  }

  freeze(): void {
    this.frozen = true
  }

  thaw(): void {
    this.frozen = false
    for (const s of this.sockets) s.flush()
  }

  /** When a frame sent now should arrive, after the previous one on the same path. */
  deliveryTime(last: number): number {
    const delay = this.faults.maxDelayMs > 0 ? this.random.next() * this.faults.maxDelayMs : 0
    return Math.max(last, Date.now() + delay)
  }

  duplicate(): boolean {
    const dup = this.faults.duplicateRate > 0 && this.random.chance(this.faults.duplicateRate)
    if (dup) this.stats.duplicated++
    return dup
  }

  register(s: FaultySocket): void {
    this.sockets.add(s)
    this.stats.sockets++
  }

  unregister(s: FaultySocket): void {
    this.sockets.delete(s)
  }

  get openSockets(): number {
    return this.sockets.size
  }
}

type Queued = { at: number; deliver: () => void }

/**
 * The browser WebSocket interface y-websocket uses (on* handlers, readyState, send, close) over a
 * Node `ws` socket, with every frame passing through the user's {@link FaultyNetwork}.
 */
class FaultySocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3
  binaryType = 'arraybuffer'
  readyState = 0
  onopen: Listener<object> = null
  onmessage: Listener<MessageEventLike> = null
  onclose: Listener<CloseEventLike> = null
  onerror: Listener<object> = null
  private ws: NodeWebSocket | null = null
  /** Frames (and the close) towards the client, and towards the server, each kept in order. */
  private readonly inbound: Queued[] = []
  private readonly outbound: Queued[] = []
  private lastIn = 0
  private lastOut = 0
  private timer: NodeJS.Timeout | null = null
  private finished = false

  constructor(
    private readonly net: FaultyNetwork,
    url: string,
    protocols?: string | string[],
  ) {
    net.register(this)
    if (net.down) {
      // Connection refused: an error, then a close without a handshake.
      setTimeout(() => this.finish(1006, '', true), 20)
      return
    }
    const ws = new NodeWebSocket(url, protocols)
    ws.binaryType = 'arraybuffer'
    this.ws = ws
    ws.on('open', () => this.receive(() => this.open()))
    ws.on('message', (data: ArrayBuffer) => {
      this.net.stats.framesIn++
      const copies = this.net.duplicate() ? 2 : 1
      for (let i = 0; i < copies; i++) this.receive(() => this.onmessage?.({ data }))
    })
    ws.on('close', (code, reason) => {
      if (code >= 4000 || code === 1001 || code === 1009 || (code >= 1011 && code <= 1013)) {
        this.net.closeCodes.push({ code, reason: reason.toString(), at: Date.now() })
      }
      // The close comes after every frame the server sent before it.
      this.receive(() => this.finish(code, reason.toString(), false))
    })
    ws.on('error', () => {
      // A failed connect also closes; the close event carries the outcome.
    })
  }

  private open(): void {
    if (this.finished) return
    this.readyState = 1
    this.onopen?.({})
  }

  send(data: ArrayBufferLike | Uint8Array): void {
    if (this.readyState !== 1) return
    const frame = data instanceof Uint8Array ? data : new Uint8Array(data)
    this.net.stats.framesOut++
    const copies = this.net.duplicate() ? 2 : 1
    for (let i = 0; i < copies; i++) {
      this.lastOut = this.net.deliveryTime(this.lastOut)
      this.outbound.push({ at: this.lastOut, deliver: () => this.ws?.send(frame) })
    }
    this.pump()
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return
    this.readyState = 2
    // Frames still held by the network are lost with the socket, as when a tab closes.
    this.outbound.length = 0
    if (this.ws && this.ws.readyState <= 1) this.ws.close(code, reason)
    else this.finish(1006, '', false)
  }

  /** The connection dies under both ends. */
  cut(): void {
    this.outbound.length = 0
    this.inbound.length = 0
    if (this.ws) this.ws.terminate()
    else this.finish(1006, '', true)
  }

  /** Releases frames held while the network was frozen. */
  flush(): void {
    this.pump()
  }

  private receive(deliver: () => void): void {
    this.lastIn = this.net.deliveryTime(this.lastIn)
    this.inbound.push({ at: this.lastIn, deliver })
    this.pump()
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    if (this.net.frozen && !this.finished) return
    const now = Date.now()
    for (const q of [this.outbound, this.inbound]) {
      while (q.length > 0 && q[0]!.at <= now) q.shift()!.deliver()
    }
    const next = Math.min(this.outbound[0]?.at ?? Infinity, this.inbound[0]?.at ?? Infinity)
    if (next !== Infinity) this.timer = setTimeout(() => this.pump(), Math.max(1, next - now))
  }

  private finish(code: number, reason: string, error: boolean): void {
    if (this.finished) return
    this.finished = true
    this.readyState = 3
    this.net.unregister(this)
    if (this.timer) clearTimeout(this.timer)
    if (error) this.onerror?.({})
    this.onclose?.({ code, reason, wasClean: code !== 1006 })
  }
}
