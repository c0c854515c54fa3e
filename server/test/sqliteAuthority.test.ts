import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { SqliteAuthority, SqlitePersistence } from '../src/index.ts'
import { runAuthorityTests } from './authoritySuite.ts'
import { tempDir } from '@easel/testkit/serverProcess.ts'

const require = createRequire(import.meta.url)

runAuthorityTests('SQLite', async () => {
  const dir = tempDir()
  const file = path.join(dir, 'easel.sqlite')
  const lease = { ttlMs: 10_000, idleMs: 30_000 }
  // The monotonic clock is the test's own (leases in the suite use small clock values).
  const clocks = { wall: () => Date.now(), mono: () => 0 }
  const opened: SqlitePersistence[] = []
  const open = () => {
    const p = new SqlitePersistence(file)
    opened.push(p)
    return new SqliteAuthority(p.db, lease, clocks)
  }
  return {
    authority: open(),
    reopen: async () => open(),
    cleanup: async () => {
      for (const p of opened) p.db.open && p.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
})

describe('SQLite authority: a database from before session-scoped idempotency records', () => {
  it('opens, migrates the record table in place, and keeps the committed versions', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'easel.sqlite')
    try {
      const old = new Database(file)
      old.exec(`
        CREATE TABLE versioned_field (
          room TEXT NOT NULL, shape_id TEXT NOT NULL, field TEXT NOT NULL,
          version INTEGER NOT NULL, value TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL,
          PRIMARY KEY (room, shape_id, field)
        ) WITHOUT ROWID;
        CREATE TABLE commit_record (
          room TEXT NOT NULL, op_id TEXT NOT NULL, hash TEXT NOT NULL, result TEXT NOT NULL, at INTEGER NOT NULL,
          PRIMARY KEY (room, op_id)
        ) WITHOUT ROWID;
        CREATE INDEX commit_record_at ON commit_record (at);
        INSERT INTO versioned_field VALUES ('r', 's1', 'deleted', 1, 'true', 'Ada', 5);
        INSERT INTO commit_record VALUES ('r', 'op-old00001', 'h', '{"status":"ok","versions":[1]}', 5);
      `)
      old.close()
      const p = new SqlitePersistence(file)
      try {
        const authority = new SqliteAuthority(p.db, { ttlMs: 10_000, idleMs: 30_000 })
        const columns = p.db.prepare<[], { name: string }>('PRAGMA table_info(commit_record)').all()
        expect(columns.map((c) => c.name)).toContain('session_id')
        expect(p.db.prepare('SELECT COUNT(*) AS n FROM commit_record').get()).toEqual({ n: 1 })
        expect((await authority.fieldStates('r')).get('s1:deleted')).toMatchObject({ version: 1, by: 'Ada' })
        const env = { sessionId: 'ada', by: 'Ada', shapeExists: () => true, now: 0, at: 10 }
        const req = {
          opId: 'op-old00001',
          ops: [{ shapeId: 's1', field: 'deleted' as const, baseVersion: 1, value: false }],
        }
        expect((await authority.commit('r', req, env)).result).toEqual({ status: 'ok', versions: [2] })
        expect((await authority.commit('r', req, env)).replayed).toBe(true)
        expect(await authority.pruneRecords(6)).toBe(1)
        // Opening a migrated database again changes nothing.
        new SqliteAuthority(p.db, { ttlMs: 10_000, idleMs: 30_000 })
        expect(p.db.prepare('SELECT COUNT(*) AS n FROM commit_record').get()).toEqual({ n: 1 })
      } finally {
        p.close()
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('SQLite authority: another connection writing (the compaction thread)', () => {
  it('a commit waits for the other connection’s write transaction instead of failing “database is locked”', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'easel.sqlite')
    const p = new SqlitePersistence(file)
    const authority = new SqliteAuthority(p.db, { ttlMs: 10_000, idleMs: 30_000 })
    // A second connection in another thread holds the write lock for 300 ms, as the compaction
    // thread does while it writes a big room's snapshot.
    const holder = new Worker(
      `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))})
       const { parentPort, workerData } = require('node:worker_threads')
       const db = new Database(workerData)
       db.exec('BEGIN IMMEDIATE')
       db.prepare("INSERT INTO room_update (room, seq, data) VALUES ('other', 1, x'00')").run()
       parentPort.postMessage('locked')
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300)
       db.exec('COMMIT')
       db.close()`,
      { eval: true, workerData: file },
    )
    try {
      await new Promise((resolve) => holder.once('message', resolve))
      const env = { sessionId: 'ada', by: 'Ada', shapeExists: () => true, now: 0, at: 10 }
      const req = {
        opId: 'op-waits001',
        ops: [{ shapeId: 's1', field: 'deleted' as const, baseVersion: 0, value: true }],
      }
      expect((await authority.commit('r', req, env)).result).toEqual({ status: 'ok', versions: [1] })
      expect((await authority.fieldStates('r')).get('s1:deleted')).toMatchObject({ version: 1, value: true })
    } finally {
      await holder.terminate()
      p.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
