/**
 * Where room documents live between process lifetimes. Every method resolves once its change is
 * durable: the room broadcasts an update only after its `append` resolved, and calls the methods
 * of one room one at a time. Every backend runs the contract suite in
 * server/test/persistenceSuite.ts.
 */
export interface Persistence {
  /** Every stored update of a room, oldest first (a snapshot, if any, comes first). */
  load(room: string): Promise<Uint8Array[]>
  /** Appends one update to the room's log; resolves to how many log entries follow the last snapshot. */
  append(room: string, update: Uint8Array): Promise<number>
  /**
   * Replaces the room's snapshot with `state` (the full document as one update) and drops every
   * log entry up to the last appended one, atomically.
   */
  compact(room: string, state: Uint8Array): Promise<void>
  /** Number of log entries after the last snapshot. */
  logLength(room: string): Promise<number>
  /** Drops per-room caches when a room leaves memory. */
  forget?(room: string): void
  close(): Promise<void>
}
