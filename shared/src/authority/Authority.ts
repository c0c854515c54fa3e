import {
  type CommitDecision,
  type CommitRequest,
  type CommitResult,
  commitPayloadKey,
  type FieldState,
  TRANSIENT_ERRORS,
} from '../commit.ts'
import type { LeaseEvent, LeaseTable } from '../lease.ts'

/** What a commit needs from the room that the authority does not store. */
export type CommitEnv = {
  /**
   * The committing session's public id: leases belong to it, and idempotency records are scoped
   * to it (another session's opId is another request).
   */
  sessionId: string
  /** Display name recorded as the author of the new versions. */
  by: string
  shapeExists(shapeId: string): boolean
  /** Monotonic clock time, for lease checks. */
  now: number
  /** Wall-clock time recorded with the new versions. */
  at: number
  /** Bytes (of JSON) the new values may add to the room's document; absent, no cap. */
  maxAddedBytes?: number
}

/**
 * Where versions, idempotency records, leases and fencing tokens live. Every method is atomic and
 * durable before it resolves: an answer the server sends is stored first. The rules are the
 * shared pure functions (`decideCommit`, `LeaseTable`); backends only store. Every backend runs
 * the contract suite in server/test/authoritySuite.ts.
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
  /** Drops what the backend caches for a room that left memory (the stored state stays). */
  forget?(room: string): void
  close(): Promise<void>
}

/** Thrown when the authority cannot be reached; commits and lock requests are refused meanwhile. */
export class AuthorityUnavailableError extends Error {
  override name = 'AuthorityUnavailableError'
}

/**
 * Whether a backend records `decision` as the answer for the request's opId: not a replay of the
 * record it already has, and not an error that a retry may resolve differently.
 */
export function recordsAnswer(
  req: CommitRequest,
  recordedHash: string | null,
  decision: CommitDecision,
): boolean {
  if (recordedHash === commitPayloadKey(req)) return false
  const r: CommitResult = decision.result
  return !(r.status === 'error' && (TRANSIENT_ERRORS.has(r.code) || r.code === 'opid_reused'))
}
