import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { compactRows, writeSnapshot } from './compactRows.ts'
import { CompactionThread } from './compactionThread.ts'
import type { Persistence } from './Persistence.ts'

export type SqliteOptions = {
  /** `FULL` fsyncs every commit (power-loss safe); `NORMAL` in WAL mode survives a process crash. */
  synchronous?: 'NORMAL' | 'FULL'
  /**
   * Rooms whose snapshot and log are at most this many bytes are compacted on the caller's thread
   * (default 64 KiB, about a millisecond of folding); larger ones in the compaction thread.
   */
  inlineCompactionBytes?: number
  /** Fault injection for the durability tests: the compaction thread dies before it commits. */
  compactionCrash?: boolean
  /**
   * Pages (4 KiB) appended to the write-ahead log after which the compaction thread checkpoints it
   * (default 1000, SQLite's own default).
   */
  checkpointPages?: number
}

/** SQLite's default page size, which this store keeps. */
const PAGE_BYTES = 4096

type Cursor = {
  /** The last sequence number appended (or folded into the snapshot). */
  seq: number
  /** Log rows after the snapshot, and their bytes. */
  count: number
  logBytes: number
  snapshotBytes: number
}

/**
 * The embedded default store: one SQLite file in WAL mode. better-sqlite3 is synchronous: when
 * `append` resolves, the row has reached the file (the OS), which is what survives `kill -9`.
 * Compactions run in a worker thread with its own connection (compactWorker.ts): folding a whole
 * board takes the event loop tens to hundreds of milliseconds. So do the checkpoints of the
 * write-ahead log: SQLite would run one inside whichever append crossed its threshold, copying
 * and fsyncing megabytes on the event loop (63–110 ms stalls in the flood benchmark).
 */
export class SqlitePersistence implements Persistence {
  readonly db: Database.Database
  private readonly stmts
  /** Null for `:memory:`, which no other connection can open: it compacts inline. */
  private readonly thread: CompactionThread | null
  private readonly inlineBytes: number
  private readonly checkpointPages: number
  /** Log pages written since the last checkpoint was asked for, estimated from the rows appended. */
  private walPages = 0
  private checkpointing: Promise<void> | null = null

  constructor(file: string, options: SqliteOptions = {}) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true })
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    const synchronous = options.synchronous ?? 'NORMAL'
    this.db.pragma(`synchronous = ${synchronous}`)
    this.inlineBytes = options.inlineCompactionBytes ?? 64 * 1024
    this.checkpointPages = options.checkpointPages ?? 1000
    this.thread =
      file === ':memory:'
        ? null
        : new CompactionThread({
            file: path.resolve(file),
            synchronous,
            exitBeforeCommit: options.compactionCrash,
          })
    // The thread checkpoints instead (see `append`).
    if (this.thread) this.db.pragma('wal_autocheckpoint = 0')
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
      // Lengths only: SQLite answers them without reading the blobs.
      snapshotSize: this.db.prepare<[string], { upto: number; bytes: number }>(
        'SELECT upto, length(data) AS bytes FROM room_snapshot WHERE room = ?',
      ),
      logSize: this.db.prepare<[string], { n: number; bytes: number | null }>(
        'SELECT COUNT(*) AS n, SUM(length(data)) AS bytes FROM room_update WHERE room = ?',
      ),
      insert: this.db.prepare<[string, number, Uint8Array]>(
        'INSERT INTO room_update (room, seq, data) VALUES (?, ?, ?)',
      ),
    }
    // One read transaction: a compaction committing between the snapshot and the log would
    // otherwise hand out the old snapshot without the rows it folded.
    this.readRoom = this.db.transaction((room: string) => {
      const out: Uint8Array[] = []
      const snap = this.stmts.snapshot.get(room)
      if (snap) out.push(new Uint8Array(snap.data))
      for (const row of this.stmts.updates.iterate(room)) out.push(new Uint8Array(row.data))
      return out
    })
  }

  private readonly readRoom: (room: string) => Uint8Array[]

  /** Where each loaded room's log stands, so `append` is one INSERT. */
  private readonly cursors = new Map<string, Cursor>()

  private cursor(room: string): Cursor {
    let c = this.cursors.get(room)
    if (!c) {
      const snap = this.stmts.snapshotSize.get(room)
      const max = this.stmts.maxSeq.get(room)?.seq ?? 0
      const log = this.stmts.logSize.get(room)!
      c = {
        seq: Math.max(max, snap?.upto ?? 0),
        count: log.n,
        logBytes: log.bytes ?? 0,
        snapshotBytes: snap?.bytes ?? 0,
      }
      this.cursors.set(room, c)
    }
    return c
  }

  async load(room: string): Promise<Uint8Array[]> {
    return this.readRoom(room)
  }

  async append(room: string, update: Uint8Array): Promise<number> {
    const c = this.cursor(room)
    this.stmts.insert.run(room, c.seq + 1, update)
    c.seq++
    c.count++
    c.logBytes += update.byteLength
    // The row's pages, and about three more for the b-tree around it (splits, parents).
    this.walPages += Math.ceil(update.byteLength / PAGE_BYTES) + 3
    if (this.walPages >= this.checkpointPages) this.checkpoint()
    return c.count
  }

  /**
   * Has the compaction thread copy the log back into the database file while appends go on (a
   * passive checkpoint never blocks the writer). The log only starts over once a checkpoint has
   * copied all of it, and the rows appended while the thread's ran are left over: this connection
   * then copies those few pages itself, between two appends, so the log always catches up. Should
   * the thread fail, this connection checkpoints it all rather than let the log grow without end.
   */
  private checkpoint(): void {
    const thread = this.thread
    if (!thread || this.checkpointing) return
    this.walPages = 0
    this.checkpointing = thread
      .checkpoint()
      .catch(() => {})
      .then(() => {
        // A failure here (the file gone) is met again, and thrown, by the next append.
        if (this.db.open) this.db.pragma('wal_checkpoint(PASSIVE)')
      })
      .catch(() => {})
      .finally(() => {
        this.checkpointing = null
      })
  }

  async compact(room: string, state?: Uint8Array): Promise<Uint8Array | null> {
    const c = this.cursor(room)
    if (c.count === 0) return null
    // Every row appended before this call, and none after.
    const upto = c.seq
    const folded = c.logBytes
    if (state !== undefined) {
      // The caller's document holds exactly these rows: written as is, nothing to fold.
      const current = this.stmts.snapshotSize.get(room)?.upto ?? null
      const dropped = writeSnapshot(this.db, room, state, upto, current)
      c.count = Math.max(0, c.count - dropped)
      c.logBytes = Math.max(0, c.logBytes - folded)
      c.snapshotBytes = state.byteLength
      return state
    }
    // A small board folds in about a millisecond: not worth a message to the thread (or starting it).
    const inline = !this.thread || c.snapshotBytes + folded <= this.inlineBytes
    const { snapshot, dropped } = inline
      ? compactRows(this.db, room, upto)
      : await this.thread.compact(room, upto)
    c.count = Math.max(0, c.count - dropped)
    c.logBytes = Math.max(0, c.logBytes - folded)
    if (snapshot) c.snapshotBytes = snapshot.byteLength
    return snapshot
  }

  async logLength(room: string): Promise<number> {
    return this.cursor(room).count
  }

  /** Forgets cached cursors of a room that left memory. */
  forget(room: string): void {
    this.cursors.delete(room)
  }

  async close(): Promise<void> {
    await this.checkpointing
    await this.thread?.close()
    this.db.close()
  }
}
