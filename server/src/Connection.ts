import type { Logger } from 'pino'
import { type CloseCode, encodeEaselFrame, type ServerMessage } from '@easel/shared'
import type { ConnectAccess } from './access/grant.ts'
import { type LimitName, Limits } from './limits.ts'
import { TokenBucket } from './rateLimit.ts'

/** What a connection needs of its socket: a WebSocket in the server, an in-memory pipe in tests. */
export interface Transport {
  send(frame: Uint8Array): void
  close(code: number, reason: string): void
}

let nextId = 1

/** One client socket in one room. It is also the transaction origin of that client's updates. */
export class Connection {
  readonly kind = 'connection' as const
  readonly id = nextId++
  /** True once the client sent `hello`: only then does it receive Easel messages. */
  easel = false
  /** That hello's bytes, to tell a repeat of it from an attempt to change the session. */
  hello: string | null = null
  /**
   * Display name from `hello`, normalised by the server; what others see in commits, lease badges
   * and awareness.
   */
  name = 'anonymous'
  /** `#rrggbb`, from `hello` if valid, else picked by the server. */
  color = '#868e96'
  /**
   * Public id of the session, issued by the server in `welcome` (or continued from a valid
   * `resume`): leases and idempotency records belong to it. Set once, at `hello`; until then one
   * per socket, which no other socket can claim.
   */
  sessionId = `conn-${this.id}`
  /** The secret that resumes this session; sent only to this socket, in `welcome`. */
  resume: string | null = null
  /** Awareness client ids this socket has announced; removed the moment it closes. */
  readonly awarenessIds = new Set<number>()
  closed = false
  /** View-only connections may read and send awareness, never change the document. */
  readOnly = false
  /** The access it came in with (from the connect hooks); null when no access check ran. */
  access: ConnectAccess | null = null
  /** Updates in a row that could not be integrated (each answered with a resync request). */
  unresolvedUpdates = 0
  readonly log: Logger
  private readonly frames: TokenBucket
  private readonly bytes: TokenBucket
  /** Bytes of sync replies this client asked for (see mayRequestSync). */
  private readonly replies: TokenBucket

  constructor(
    private readonly transport: Transport,
    readonly room: string,
    log: Logger,
    rate: { perSec: number; burst: number; bytesPerSec: number; bytesBurst: number },
    /** Where this connection's limit trips are counted (the server's, shared by all). */
    private readonly limits: Limits = new Limits(),
  ) {
    this.log = log.child({ conn: this.id, room })
    this.frames = new TokenBucket(rate.perSec, rate.burst)
    this.bytes = new TokenBucket(rate.bytesPerSec, rate.bytesBurst)
    this.replies = new TokenBucket(rate.bytesPerSec, rate.bytesBurst)
  }

  /**
   * Whether the client may ask for another whole-document reply (a sync step 1): each reply's size
   * is charged to a budget of its own, like the bytes it sends, so asking for a large document over
   * and over costs the client its connection, not the server its CPU. The first reply always fits
   * (the budget may go into debt by one reply: a joiner of a large board is never refused).
   */
  mayRequestSync(): boolean {
    return this.replies.canTake(0)
  }

  /** Charges a whole-document reply's size (see {@link mayRequestSync}). */
  chargeReply(bytes: number): void {
    this.replies.spend(bytes)
  }

  /**
   * Charges one frame of `size` bytes to the connection's budgets: null if it fits, otherwise
   * which budget it is over (frames per second, or bytes per second). A refused frame is not
   * charged to the other budget.
   */
  admit(size: number): 'frames' | 'bytes' | null {
    if (!this.frames.canTake(1)) return 'frames'
    if (!this.bytes.take(size)) return 'bytes'
    this.frames.take(1)
    return null
  }

  /** Counts and logs that this connection ran into a limit. */
  trip(limit: LimitName, detail?: Record<string, unknown>): void {
    this.limits.trip(limit, this.log, detail)
  }

  send(frame: Uint8Array): void {
    if (!this.closed) this.transport.send(frame)
  }

  /** Sends an Easel message, but only to a client that announced the protocol. */
  sendEasel(message: ServerMessage): void {
    if (this.easel) this.send(encodeEaselFrame(message))
  }

  close(code: CloseCode, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.log.info({ code, reason }, 'closing connection')
    this.transport.close(code, truncateUtf8(reason, 123))
  }
}

/** Close reasons are limited to 123 UTF-8 bytes by the WebSocket spec. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s
  let out = ''
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > maxBytes - 3) break
    out += ch
  }
  return `${out}...`
}
