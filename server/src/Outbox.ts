/**
 * The send path of a room socket. A broadcast hands the same frame object to every socket in the
 * room; it is framed for WebSocket once ({@link wsBinaryFrame}: a server's frames are unmasked,
 * so the bytes are the same for every recipient) and each socket writes that one buffer, without
 * a copy of its own. What a socket is sent is written at the end of the turn of the event loop
 * with one system call (a writev), not one per frame; with a flush interval set, at most once per
 * interval while frames keep coming ({@link FlushQueue}). A fan-out's CPU is mostly those system
 * calls, one per socket per write: the fewer writes carry the same updates.
 */
import type { Socket } from 'node:net'

/** A payload up to this size is framed into one buffer (header + payload); larger ones get a header of their own. */
const MERGE_MAX_BYTES = 64 * 1024

const framed = new WeakMap<Uint8Array, readonly Uint8Array[]>()

/**
 * A final, unmasked binary WebSocket frame (RFC 6455 §5.2) carrying `payload`, as the chunks to
 * write: one buffer for small payloads, header and payload (not copied) for large ones. Cached per
 * payload object, so a broadcast frames once.
 */
export function wsBinaryFrame(payload: Uint8Array): readonly Uint8Array[] {
  const cached = framed.get(payload)
  if (cached) return cached
  const length = payload.byteLength
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const merge = length <= MERGE_MAX_BYTES
  const out = Buffer.allocUnsafe(headerLength + (merge ? length : 0))
  out[0] = 0x82 // FIN + opcode 2 (binary)
  if (length < 126) {
    out[1] = length
  } else if (length < 65_536) {
    out[1] = 126
    out.writeUInt16BE(length, 2)
  } else {
    out[1] = 127
    out.writeBigUInt64BE(BigInt(length), 2)
  }
  let chunks: Uint8Array[]
  if (merge) {
    out.set(payload, headerLength)
    chunks = [out]
  } else {
    chunks = [out, payload]
  }
  framed.set(payload, chunks)
  return chunks
}

/** What an outbox needs of its socket (a `net.Socket`). */
export type RawSocket = Pick<Socket, 'write' | 'cork' | 'uncork' | 'writableLength' | 'destroyed'>

/** The clock and timers a {@link FlushQueue} runs on (real ones in the server, a fake in tests). */
export type FlushTimers = {
  now(): number
  /** Runs `fn` at the end of this turn of the event loop, after the sockets read in it. */
  endOfTurn(fn: () => void): void
  after(fn: () => void, ms: number): void
}

const REAL_TIMERS: FlushTimers = {
  now: () => performance.now(),
  endOfTurn: (fn) => setImmediate(fn),
  after: (fn, ms) => setTimeout(fn, ms),
}

/**
 * Runs the outboxes' flushes, all in one pass: at the end of the turn in which a frame was queued,
 * unless the last pass was less than `intervalMs` ago; then at that interval after it. An idle
 * server sends at once; a busy one writes each socket at most once per interval, every frame
 * queued meanwhile in that one system call, which is where a fan-out's CPU goes (one write per
 * socket per update). The pass is shared by every room: on a busy server, a quiet room's frame
 * waits for it too.
 */
export class FlushQueue {
  private readonly due = new Set<Outbox>()
  private scheduled = false
  private lastRun = Number.NEGATIVE_INFINITY

  constructor(
    private readonly intervalMs = 0,
    private readonly timers: FlushTimers = REAL_TIMERS,
  ) {}

  add(outbox: Outbox): void {
    this.due.add(outbox)
    if (this.scheduled) return
    this.scheduled = true
    const wait = this.lastRun + this.intervalMs - this.timers.now()
    if (wait <= 0) this.timers.endOfTurn(this.run)
    else this.timers.after(this.run, wait)
  }

  private readonly run = () => {
    this.scheduled = false
    this.lastRun = this.timers.now()
    for (const outbox of this.due) outbox.flush()
    this.due.clear()
  }
}

/**
 * The frames queued for one socket this turn. Only whole frames are written, so ws's own frames
 * (ping, pong, close) on the same socket fall between them; the owner flushes before ws closes the
 * socket, so nothing queued follows the close frame.
 */
export class Outbox {
  private queue: Uint8Array[] = []
  private queuedBytes = 0

  constructor(
    private readonly socket: RawSocket,
    private readonly flushes: FlushQueue,
    /** Whether frames may still be written (the WebSocket is open). */
    private readonly open: () => boolean,
  ) {}

  /** Bytes sent and not yet taken by the kernel: queued here, and in the socket's buffer. */
  get bufferedBytes(): number {
    return this.queuedBytes + this.socket.writableLength
  }

  /** Queues `payload` as one binary message, after everything queued before. */
  send(payload: Uint8Array): void {
    if (this.queue.length === 0) this.flushes.add(this)
    for (const chunk of wsBinaryFrame(payload)) {
      this.queue.push(chunk)
      this.queuedBytes += chunk.byteLength
    }
  }

  /** Writes what is queued, in order, with one system call; dropped once the socket is closing. */
  flush(): void {
    const queue = this.queue
    if (queue.length === 0) return
    this.queue = []
    this.queuedBytes = 0
    if (!this.open() || this.socket.destroyed) return
    if (queue.length === 1) {
      this.socket.write(queue[0]!)
      return
    }
    this.socket.cork()
    for (const chunk of queue) this.socket.write(chunk)
    this.socket.uncork()
  }
}
