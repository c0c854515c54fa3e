/**
 * Where room documents live between process lifetimes. Every method resolves once its change is
 * durable: the room broadcasts an update only after its `append` resolved, and calls the methods
 * of one room one at a time. Every backend runs the contract suite in
 * server/test/persistenceSuite.ts.
 */
export interface Persistence {
  /**
   * Every stored update of a room, oldest first (a snapshot, if any, comes first), as one
   * consistent read even while a compaction of the room commits.
   */
  load(room: string): Promise<Uint8Array[]>
  /** Appends one update to the room's log; resolves to how many log entries follow the last snapshot. */
  append(room: string, update: Uint8Array): Promise<number>
  /**
   * Folds the room's snapshot and every log entry appended before the call into a new snapshot
   * (the document as one update, see foldUpdates.ts) and drops exactly those entries, atomically:
   * entries appended while it runs stay in the log, and a crash at any point loses nothing.
   * Resolves with the new snapshot, or null when the log was empty. Folding decodes the whole
   * board: a backend does it off the caller's thread if it can, and the room goes on appending
   * meanwhile (it runs one compaction of a room at a time).
   *
   * With `state`, the caller already has the result: its whole document as one update, holding
   * exactly the snapshot and every entry appended before the call (a room passes its own encoding
   * when its board is small). The backend stores it as the snapshot instead of folding, with the
   * same atomicity, and resolves with it.
   */
  compact(room: string, state?: Uint8Array): Promise<Uint8Array | null>
  /** Number of log entries after the last snapshot. */
  logLength(room: string): Promise<number>
  /** Drops per-room caches when a room leaves memory. */
  forget?(room: string): void
  close(): Promise<void>
}
