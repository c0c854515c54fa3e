import type { ParsedClientMessage } from '@easel/shared'
import type { Connection } from './Connection.ts'
import type { Room } from './Room.ts'

/**
 * A server capability plugged into every room (commit authority, leases, metrics, a backplane).
 * Hooks are optional and run in registration order; a hook that throws closes only the
 * connection that triggered it.
 */
export interface Extension {
  readonly name: string
  /** The room's document has been loaded from storage, before any client is answered. */
  onRoomLoaded?(room: Room): void
  /** A client joined (after its socket opened, before its first frame is handled). */
  onJoin?(room: Room, conn: Connection): void
  /** A client announced the Easel protocol (after `welcome` was sent to it). */
  onHello?(room: Room, conn: Connection): void
  /** An Easel message other than `hello`; return true when this extension handled it. */
  onMessage?(room: Room, conn: Connection, message: ParsedClientMessage): boolean
  /** A client left; its awareness has already been removed. */
  onLeave?(room: Room, conn: Connection): void
  /** The room is about to be freed from memory. */
  onRoomUnload?(room: Room): void
  /** The server is shutting down. */
  close?(): void | Promise<void>
}
