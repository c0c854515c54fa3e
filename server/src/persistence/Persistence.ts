/**
 * Where room documents live between process lifetimes. Implementations must make `append`
 * durable before returning: the room broadcasts an update only after `append` returned.
 */
export interface Persistence {
  /** Every stored update of a room, oldest first (a snapshot, if any, comes first). */
  load(room: string): Uint8Array[]
  /** Appends one update to the room's log; returns how many log entries follow the last snapshot. */
  append(room: string, update: Uint8Array): number
  /**
   * Replaces the room's snapshot with `state` (the full document as one update) and drops every
   * log entry up to the last appended one, atomically.
   */
  compact(room: string, state: Uint8Array): void
  /** Number of log entries after the last snapshot. */
  logLength(room: string): number
  /** Drops per-room caches when a room leaves memory. */
  forget(room: string): void
  close(): void
}
