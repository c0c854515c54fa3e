import type Database from 'better-sqlite3'

/** Who may open a board without a link: anyone with its URL (`open`) or share links only (`link`). */
export type AccessMode = 'open' | 'link'

/** A board's stored access settings. */
export type BoardAccess = {
  /** The board's own mode; null follows the server's default (`config.access`). */
  readonly mode: AccessMode | null
  /** Key epoch: view and edit links signed under an earlier one are revoked. */
  readonly epoch: number
  /** Whether an owner token was handed out (the board was claimed). */
  readonly owned: boolean
}

export const UNSET_ACCESS: BoardAccess = { mode: null, epoch: 0, owned: false }

/**
 * Where boards' access settings live. Synchronous, so a check and the change after it never
 * interleave with another request's.
 */
export interface AccessStore {
  get(room: string): BoardAccess
  /** Marks the board owned; false (and nothing changed) when it already was. */
  claim(room: string): boolean
  /** Moves the board to the next key epoch and returns it. */
  revoke(room: string): number
  setMode(room: string, mode: AccessMode): void
}

/** In memory, for servers whose documents are in memory too (tests). */
export class MemoryAccessStore implements AccessStore {
  private readonly boards = new Map<string, BoardAccess>()

  get(room: string): BoardAccess {
    return this.boards.get(room) ?? UNSET_ACCESS
  }

  claim(room: string): boolean {
    const current = this.get(room)
    if (current.owned) return false
    this.boards.set(room, { ...current, owned: true })
    return true
  }

  revoke(room: string): number {
    const current = this.get(room)
    this.boards.set(room, { ...current, epoch: current.epoch + 1 })
    return current.epoch + 1
  }

  setMode(room: string, mode: AccessMode): void {
    this.boards.set(room, { ...this.get(room), mode })
  }
}

type Row = { mode: string | null; epoch: number; owned: number }

/** A table in the documents' SQLite file, so access settings survive restarts with the boards. */
export class SqliteAccessStore implements AccessStore {
  private readonly stmts

  constructor(db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS board_access (
        room TEXT PRIMARY KEY,
        mode TEXT,
        epoch INTEGER NOT NULL DEFAULT 0,
        owned INTEGER NOT NULL DEFAULT 0
      );
    `)
    this.stmts = {
      get: db.prepare<[string], Row>('SELECT mode, epoch, owned FROM board_access WHERE room = ?'),
      claim: db.prepare<[string]>(
        'INSERT INTO board_access (room, owned) VALUES (?, 1) ' +
          'ON CONFLICT(room) DO UPDATE SET owned = 1 WHERE owned = 0',
      ),
      revoke: db.prepare<[string], { epoch: number }>(
        'INSERT INTO board_access (room, epoch) VALUES (?, 1) ' +
          'ON CONFLICT(room) DO UPDATE SET epoch = epoch + 1 RETURNING epoch',
      ),
      setMode: db.prepare<[string, string]>(
        'INSERT INTO board_access (room, mode) VALUES (?, ?) ' +
          'ON CONFLICT(room) DO UPDATE SET mode = excluded.mode',
      ),
    }
  }

  get(room: string): BoardAccess {
    const row = this.stmts.get.get(room)
    if (!row) return UNSET_ACCESS
    const mode = row.mode === 'open' || row.mode === 'link' ? row.mode : null
    return { mode, epoch: row.epoch, owned: row.owned === 1 }
  }

  claim(room: string): boolean {
    return this.stmts.claim.run(room).changes === 1
  }

  revoke(room: string): number {
    return this.stmts.revoke.get(room)!.epoch
  }

  setMode(room: string, mode: AccessMode): void {
    this.stmts.setMode.run(room, mode)
  }
}
