import {
  type Authority,
  type CommitDecision,
  type CommitEnv,
  type CommitRequest,
  type CommitResult,
  commitPayloadKey,
  decideCommit,
  emptyLeaseState,
  type FieldState,
  type LeaseConfig,
  type LeaseEvent,
  type LeaseState,
  LeaseTable,
  recordsAnswer,
  type VersionedField,
} from '@easel/shared'
import type Database from 'better-sqlite3'

/** Idempotency records are per session: the same opId from two sessions is two requests. */
const COMMIT_RECORD_COLUMNS = `
  room TEXT NOT NULL, session_id TEXT NOT NULL, op_id TEXT NOT NULL,
  hash TEXT NOT NULL, result TEXT NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (room, session_id, op_id)`

/**
 * Moves a `commit_record` table from before records were scoped to sessions (keyed by room and
 * opId only) to the current one, in place and in one transaction. Old records get an empty
 * session id, which no session has: they answer no one and are pruned with their age, and the
 * commits they answered are in `versioned_field` whatever happens.
 */
export function migrateCommitRecords(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(commit_record)').all()
  if (columns.length === 0 || columns.some((c) => c.name === 'session_id')) return
  db.transaction(() => {
    db.exec(`
      ALTER TABLE commit_record RENAME TO commit_record_unscoped;
      DROP INDEX IF EXISTS commit_record_at;
      CREATE TABLE commit_record (${COMMIT_RECORD_COLUMNS}) WITHOUT ROWID;
      INSERT INTO commit_record (room, session_id, op_id, hash, result, at)
        SELECT room, '', op_id, hash, result, at FROM commit_record_unscoped;
      DROP TABLE commit_record_unscoped;
    `)
  })()
}

/**
 * The embedded authority: tables in the same SQLite file as the documents. better-sqlite3 runs
 * each operation as one synchronous transaction, so nothing interleaves inside it.
 */
export class SqliteAuthority implements Authority {
  private readonly stmts
  /** Lease tables of rooms in use; the stored row is the truth, this is a cache. */
  private readonly leaseCache = new Map<string, LeaseState>()

  constructor(
    private readonly db: Database.Database,
    private readonly leaseConfig: LeaseConfig,
    /** Wall clock and monotonic clock, injectable for tests. */
    private readonly clocks = { wall: () => Date.now(), mono: () => performance.now() },
  ) {
    migrateCommitRecords(db)
    db.exec(`
      CREATE TABLE IF NOT EXISTS versioned_field (
        room TEXT NOT NULL, shape_id TEXT NOT NULL, field TEXT NOT NULL,
        version INTEGER NOT NULL, value TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (room, shape_id, field)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS commit_record (${COMMIT_RECORD_COLUMNS}) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS commit_record_at ON commit_record (at);
      CREATE TABLE IF NOT EXISTS lease_state (
        room TEXT PRIMARY KEY, state TEXT NOT NULL, saved_wall INTEGER NOT NULL, saved_mono REAL NOT NULL
      );
    `)
    this.stmts = {
      field: db.prepare<[string, string, string], { version: number; value: string; by: string; at: number }>(
        'SELECT version, value, by, at FROM versioned_field WHERE room = ? AND shape_id = ? AND field = ?',
      ),
      fields: db.prepare<
        [string],
        { shape_id: string; field: string; version: number; value: string; by: string; at: number }
      >('SELECT shape_id, field, version, value, by, at FROM versioned_field WHERE room = ?'),
      update: db.prepare<[number, string, string, number, string, string, string, number]>(
        'UPDATE versioned_field SET version = ?, value = ?, by = ?, at = ? ' +
          'WHERE room = ? AND shape_id = ? AND field = ? AND version = ?',
      ),
      insert: db.prepare<[string, string, string, number, string, string, number]>(
        'INSERT INTO versioned_field (room, shape_id, field, version, value, by, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      record: db.prepare<[string, string, string], { hash: string; result: string }>(
        'SELECT hash, result FROM commit_record WHERE room = ? AND session_id = ? AND op_id = ?',
      ),
      putRecord: db.prepare<[string, string, string, string, string, number]>(
        'INSERT INTO commit_record (room, session_id, op_id, hash, result, at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      prune: db.prepare<[number]>('DELETE FROM commit_record WHERE at < ?'),
      leases: db.prepare<[string], { state: string; saved_wall: number; saved_mono: number }>(
        'SELECT state, saved_wall, saved_mono FROM lease_state WHERE room = ?',
      ),
      putLeases: db.prepare<[string, string, number, number]>(
        'INSERT INTO lease_state (room, state, saved_wall, saved_mono) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT(room) DO UPDATE SET state = excluded.state, saved_wall = excluded.saved_wall, ' +
          'saved_mono = excluded.saved_mono',
      ),
    }
  }

  private readField(room: string, shapeId: string, field: VersionedField): FieldState | null {
    const row = this.stmts.field.get(room, shapeId, field)
    return row ? { version: row.version, value: JSON.parse(row.value), by: row.by, at: row.at } : null
  }

  /** A room's lease state; times stored from an earlier process are moved onto this process's clock. */
  private leaseState(room: string): LeaseState {
    let state = this.leaseCache.get(room)
    if (state) return state
    const row = this.stmts.leases.get(room)
    state = row ? (JSON.parse(row.state) as LeaseState) : emptyLeaseState()
    if (row) {
      // Remaining time as of the save, minus the wall time that passed since.
      const shift = this.clocks.mono() - row.saved_mono - (this.clocks.wall() - row.saved_wall)
      for (const l of Object.values(state.leases)) {
        l.expiresAt += shift
        l.activeAt += shift
      }
      for (const q of Object.values(state.queues)) for (const w of q) w.since += shift
    }
    this.leaseCache.set(room, state)
    return state
  }

  private saveLeases(room: string, state: LeaseState): void {
    this.stmts.putLeases.run(room, JSON.stringify(state), this.clocks.wall(), this.clocks.mono())
  }

  async commit(room: string, req: CommitRequest, env: CommitEnv): Promise<CommitDecision> {
    // Read-only view: expiries found here are announced by the room's lease timer, not by a commit.
    const leases = new LeaseTable(structuredClone(this.leaseState(room)), this.leaseConfig)
    // IMMEDIATE takes the write lock up front, waiting (busy timeout) while another connection holds
    // it: a deferred transaction that has read cannot wait to upgrade, so it failed with "database is
    // locked" whenever the compaction thread was writing a snapshot.
    return this.db
      .transaction((): CommitDecision => {
        const rec = this.stmts.record.get(room, env.sessionId, req.opId)
        const decision = decideCommit(req, {
          record: rec ? { hash: rec.hash, result: JSON.parse(rec.result) as CommitResult } : null,
          field: (shapeId, field) => this.readField(room, shapeId, field),
          shapeExists: env.shapeExists,
          lease: (shapeId) => leases.view(shapeId, env.now),
          clientId: env.sessionId,
          maxAddedBytes: env.maxAddedBytes,
        })
        const at = env.at
        if (decision.apply) {
          for (const a of decision.apply) {
            const value = JSON.stringify(a.value)
            const changed = this.stmts.update.run(
              a.version,
              value,
              env.by,
              at,
              room,
              a.shapeId,
              a.field,
              a.version - 1,
            )
            if (changed.changes === 0) {
              // First version of this field: the row must not exist yet (PRIMARY KEY enforces it).
              if (a.version !== 1) throw new Error(`version race on ${a.shapeId}:${a.field}`)
              this.stmts.insert.run(room, a.shapeId, a.field, a.version, value, env.by, at)
            }
          }
        }
        if (recordsAnswer(req, rec?.hash ?? null, decision)) {
          this.stmts.putRecord.run(
            room,
            env.sessionId,
            req.opId,
            commitPayloadKey(req),
            JSON.stringify(decision.result),
            at,
          )
        }
        return decision
      })
      .immediate()
  }

  async fieldStates(room: string): Promise<Map<string, FieldState>> {
    const out = new Map<string, FieldState>()
    for (const r of this.stmts.fields.iterate(room)) {
      out.set(`${r.shape_id}:${r.field}`, {
        version: r.version,
        value: JSON.parse(r.value),
        by: r.by,
        at: r.at,
      })
    }
    return out
  }

  async withLeases<T>(
    room: string,
    now: number,
    fn: (table: LeaseTable) => T,
  ): Promise<{ value: T; events: LeaseEvent[] }> {
    const state = this.leaseState(room)
    // Work on a copy: if storing fails, the cached state is left as it was.
    const table = new LeaseTable(structuredClone(state), this.leaseConfig)
    const value = fn(table)
    table.expire(now)
    const before = JSON.stringify(state)
    if (JSON.stringify(table.state) !== before) {
      this.saveLeases(room, table.state)
      this.leaseCache.set(room, table.state)
    }
    return { value, events: table.events }
  }

  /** Drops the cached lease state of a room that left memory (the stored row stays). */
  forget(room: string): void {
    this.leaseCache.delete(room)
  }

  async pruneRecords(before: number): Promise<number> {
    return this.stmts.prune.run(before).changes
  }

  async close(): Promise<void> {}
}
