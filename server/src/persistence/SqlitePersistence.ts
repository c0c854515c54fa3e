import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Persistence } from './Persistence.ts'

export type SqliteOptions = {
  /** `FULL` fsyncs every commit (power-loss safe); `NORMAL` in WAL mode survives a process crash. */
  synchronous?: 'NORMAL' | 'FULL'
}

/**
 * The embedded default store: one SQLite file in WAL mode. better-sqlite3 is synchronous: when
 * `append` resolves, the row has reached the file (the OS), which is what survives `kill -9`.
 */
export class SqlitePersistence implements Persistence {
  readonly db: Database.Database
  private readonly stmts

  constructor(file: string, options: SqliteOptions = {}) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true })
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`)
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS room_snapshot (
        room TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        upto INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS room_update (
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (room, seq)
      ) WITHOUT ROWID;
    `)
    this.stmts = {
      snapshot: this.db.prepare<[string], { data: Buffer; upto: number }>(
        'SELECT data, upto FROM room_snapshot WHERE room = ?',
      ),
      updates: this.db.prepare<[string], { data: Buffer }>(
        'SELECT data FROM room_update WHERE room = ? ORDER BY seq',
      ),
      maxSeq: this.db.prepare<[string], { seq: number | null }>(
        'SELECT MAX(seq) AS seq FROM room_update WHERE room = ?',
      ),
      count: this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM room_update WHERE room = ?'),
      insert: this.db.prepare<[string, number, Uint8Array]>(
        'INSERT INTO room_update (room, seq, data) VALUES (?, ?, ?)',
      ),
      putSnapshot: this.db.prepare<[string, Uint8Array, number]>(
        'INSERT INTO room_snapshot (room, data, upto) VALUES (?, ?, ?) ' +
          'ON CONFLICT(room) DO UPDATE SET data = excluded.data, upto = excluded.upto',
      ),
      dropUpTo: this.db.prepare<[string, number]>('DELETE FROM room_update WHERE room = ? AND seq <= ?'),
    }
  }

  /** Next sequence number and log length per loaded room, so `append` is one INSERT. */
  private readonly cursors = new Map<string, { seq: number; count: number }>()

  private cursor(room: string): { seq: number; count: number } {
    let c = this.cursors.get(room)
    if (!c) {
      const snap = this.stmts.snapshot.get(room)
      const max = this.stmts.maxSeq.get(room)?.seq ?? 0
      c = { seq: Math.max(max, snap?.upto ?? 0), count: this.stmts.count.get(room)!.n }
      this.cursors.set(room, c)
    }
    return c
  }

  async load(room: string): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    const snap = this.stmts.snapshot.get(room)
    if (snap) out.push(new Uint8Array(snap.data))
    for (const row of this.stmts.updates.iterate(room)) out.push(new Uint8Array(row.data))
    return out
  }

  async append(room: string, update: Uint8Array): Promise<number> {
    const c = this.cursor(room)
    this.stmts.insert.run(room, c.seq + 1, update)
    c.seq++
    c.count++
    return c.count
  }

  async compact(room: string, state: Uint8Array): Promise<void> {
    const c = this.cursor(room)
    this.db.transaction(() => {
      this.stmts.putSnapshot.run(room, state, c.seq)
      this.stmts.dropUpTo.run(room, c.seq)
    })()
    c.count = 0
  }

  async logLength(room: string): Promise<number> {
    return this.cursor(room).count
  }

  /** Forgets cached cursors of a room that left memory. */
  forget(room: string): void {
    this.cursors.delete(room)
  }

  async close(): Promise<void> {
    this.db.close()
  }
}
