import type { IncomingHttpHeaders } from 'node:http'
import type * as Y from 'yjs'
import type { CloseCode, ParsedClientMessage } from '@easel/shared'
import type { ConnectAccess } from './access/grant.ts'
import type { Connection } from './Connection.ts'

/** What a hook sees of a room. */
export interface RoomContext {
  readonly name: string
  readonly doc: Y.Doc
  readonly conns: ReadonlySet<Connection>
  /** Size of the document in bytes (an upper bound). */
  readonly docBytes: number
  /** Size the document may reach; what would pass it is refused (updates close BoardFull). */
  readonly maxDocBytes: number
  /**
   * Changes the document as the server, after every frame already received: the change is stored,
   * then broadcast to everyone. Resolves once it was broadcast.
   */
  transact(fn: (doc: Y.Doc) => void): Promise<void>
}

/** A socket asking to join a room, before the room is acquired. */
export interface ConnectContext {
  readonly room: string
  /** The upgrade request: its URL (path and query) and headers. */
  readonly request: { readonly url: string; readonly headers: IncomingHttpHeaders }
  /** A hook sets this to make the connection view-only. */
  readOnly: boolean
  /** Set by the access check: what the socket may do and how it got that right. */
  access?: ConnectAccess
}

/** Thrown by `onConnect` or `onAuthenticate` to close the socket with `code` before it joins. */
export class ConnectionRefused extends Error {
  override name = 'ConnectionRefused'
  constructor(
    readonly code: CloseCode,
    reason: string,
  ) {
    super(reason)
  }
}

/**
 * A server capability plugged into every room (commit authority, leases, authentication, metrics,
 * a backplane). Hooks are optional. For each event the server calls the hook of every extension in
 * registration order, awaiting each before the next.
 *
 * Lifecycle of a socket: `onConnect`, `onAuthenticate` (either may refuse it or make it
 * read-only), then the room is acquired, `onLoadDocument` if it was not in memory, then the
 * socket's frames are handled; `onDisconnect` when it closes. Lifecycle of a room:
 * `onLoadDocument`, `onChange` per stored update, `onStoreDocument` per snapshot, `onDestroy`.
 */
export interface Extension {
  readonly name: string
  /** A socket opened. Throw {@link ConnectionRefused} to close it; set `readOnly` to restrict it. */
  onConnect?(ctx: ConnectContext): void | Promise<void>
  /** After every `onConnect`: decide who the socket is. Same powers as `onConnect`. */
  onAuthenticate?(ctx: ConnectContext): void | Promise<void>
  /**
   * The room's stored document has been read, before any client is answered; joins wait for
   * every `onLoadDocument`, and a throw fails the load (clients are told to retry).
   */
  onLoadDocument?(room: RoomContext): void | Promise<void>
  /** A client announced the Easel protocol (after `welcome` was sent to it). */
  onHello?(room: RoomContext, conn: Connection): void
  /** An Easel message other than `hello`; return true when this extension handled it. */
  onMessage?(room: RoomContext, conn: Connection, message: ParsedClientMessage): boolean
  /** An update was stored and broadcast; `origin` is the connection that sent it, or the server. */
  onChange?(room: RoomContext, update: Uint8Array, origin: Connection | null): void | Promise<void>
  /** The whole document was stored as one snapshot (compaction, or before it leaves memory). */
  onStoreDocument?(room: RoomContext, state: Uint8Array): void | Promise<void>
  /** A client left; its awareness has already been removed. */
  onDisconnect?(room: RoomContext, conn: Connection): void | Promise<void>
  /** The room is about to be freed from memory (its last snapshot is stored next). */
  onDestroy?(room: RoomContext): void | Promise<void>
  /** The server is shutting down. */
  close?(): void | Promise<void>
}
