import type Database from 'better-sqlite3'
import { foldUpdates } from './foldUpdates.ts'

/** What one compaction did: the new snapshot (null if there was nothing to fold) and rows dropped. */
export type Compacted = { snapshot: Uint8Array | null; dropped: number }

/**
 * Folds a room's snapshot and its log rows up to `upto` into a new snapshot, and in one
 * transaction writes it and deletes exactly those rows; rows appended meanwhile (`seq > upto`)
 * stay in the log. A crash before the commit leaves the old snapshot and every row in place, so
 * at no point is anything lost. The read is one transaction too: in WAL mode it sees a
 * consistent state while the writer goes on appending. Runs in the compaction worker
 * (compactWorker.ts), or inline for a database only one connection can see (`:memory:`).
 */
export function compactRows(
  db: Database.Database,
  room: string,
  upto: number,
  hooks: CompactHooks = {},
): Compacted {
  const snapshotOf = db.prepare<[string], { data: Buffer; upto: number }>(
    'SELECT data, upto FROM room_snapshot WHERE room = ?',
  )
  const read = db.transaction(() => ({
    snapshot: snapshotOf.get(room),
    rows: db
      .prepare<[string, number], { data: Buffer }>(
        'SELECT data FROM room_update WHERE room = ? AND seq <= ? ORDER BY seq',
      )
      .all(room, upto),
  }))
  const before = read()
  if (before.rows.length === 0) return { snapshot: null, dropped: 0 }
  const updates = before.rows.map((row) => row.data)
  const snapshot = foldUpdates(before.snapshot ? [before.snapshot.data, ...updates] : updates)
  const dropped = writeSnapshot(db, room, snapshot, upto, before.snapshot?.upto ?? null, hooks)
  return { snapshot, dropped }
}

/**
 * Writes `snapshot` as the room's snapshot, covering its log up to `upto`, and deletes exactly
 * those rows, in one transaction; returns how many rows it deleted. `expectedUpto` is the snapshot
 * the caller read (null: none): compactions of one room run one at a time, so a snapshot that moved
 * under this one means that was broken, and writing would fold the same rows twice or lose the
 * other's. It throws instead, and nothing is written.
 */
export function writeSnapshot(
  db: Database.Database,
  room: string,
  snapshot: Uint8Array,
  upto: number,
  expectedUpto: number | null,
  hooks: CompactHooks = {},
): number {
  const snapshotOf = db.prepare<[string], { upto: number }>('SELECT upto FROM room_snapshot WHERE room = ?')
  const put = db.prepare<[string, Uint8Array, number]>(
    'INSERT INTO room_snapshot (room, data, upto) VALUES (?, ?, ?) ' +
      'ON CONFLICT(room) DO UPDATE SET data = excluded.data, upto = excluded.upto',
  )
  const drop = db.prepare<[string, number]>('DELETE FROM room_update WHERE room = ? AND seq <= ?')
  const write = db.transaction(() => {
    if ((snapshotOf.get(room)?.upto ?? null) !== expectedUpto) {
      throw new Error(`room ${room}: its snapshot changed during the compaction`)
    }
    put.run(room, snapshot, upto)
    const { changes } = drop.run(room, upto)
    hooks.beforeCommit?.()
    return changes
  })
  // IMMEDIATE takes the write lock up front: a deferred transaction that read first could not
  // upgrade once the writer appended meanwhile.
  return write.immediate()
}

/** Fault injection for the durability tests. */
export type CompactHooks = {
  /** Runs inside the write transaction, after the snapshot is written and the rows deleted. */
  beforeCommit?: () => void
}
