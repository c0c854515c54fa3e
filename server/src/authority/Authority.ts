import type { CommitDecision, CommitRequest, FieldState, LeaseEvent, LeaseTable } from '@easel/shared'

/** What a commit needs from the room that the authority does not store. */
export type CommitEnv = {
  /** The committing browser session (leases belong to it). */
  clientId: string
  /** Display name recorded as the author of the new versions. */
  by: string
  shapeExists(shapeId: string): boolean
  /** Monotonic clock time, for lease checks. */
  now: number
  /** Wall-clock time recorded with the new versions. */
  at: number
}

/**
 * Where versions, idempotency records, leases and fencing tokens live. Every method is atomic and
 * durable before it resolves: an answer the server sends is on disk (or in Redis) first. The rules
 * are the shared pure functions (`decideCommit`, `LeaseTable`); backends only store.
 */
export interface Authority {
  commit(room: string, req: CommitRequest, env: CommitEnv): Promise<CommitDecision>
  /** Every committed field of a room, by `${shapeId}:${field}` (to rebuild the document's view). */
  fieldStates(room: string): Promise<Map<string, FieldState>>
  /** Applies `fn` to the room's lease table atomically and stores the result. */
  withLeases<T>(
    room: string,
    now: number,
    fn: (table: LeaseTable) => T,
  ): Promise<{ value: T; events: LeaseEvent[] }>
  /** Drops idempotency records older than `before` (epoch ms); returns how many. */
  pruneRecords(before: number): Promise<number>
  close(): Promise<void>
}

/** Thrown when the authority cannot be reached; commits and lock requests are refused meanwhile. */
export class AuthorityUnavailableError extends Error {
  override name = 'AuthorityUnavailableError'
}
