import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MemoryPersistence, type MemoryRoomLog, SqlitePersistence } from '../src/index.ts'
import type { CompactionThread } from '../src/persistence/compactionThread.ts'
import { runPersistenceTests } from './persistenceSuite.ts'

// Small rooms compact inline, large ones in the compaction thread: the suite runs both ways.
for (const [name, inlineCompactionBytes] of [
  ['SQLite', undefined],
  ['SQLite, compaction thread', 0],
] as const) {
  runPersistenceTests(name, async () => {
    const dir = tempDir()
    const file = path.join(dir, 'easel.sqlite')
    return {
      persistence: new SqlitePersistence(file, { inlineCompactionBytes }),
      reopen: async () => new SqlitePersistence(file, { inlineCompactionBytes }),
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    }
  })
}

runPersistenceTests('memory', async () => {
  const rooms = new Map<string, MemoryRoomLog>()
  return {
    persistence: new MemoryPersistence(rooms),
    reopen: async () => new MemoryPersistence(rooms),
    cleanup: async () => {},
  }
})

describe('SQLite compaction thread', () => {
  it('a compaction thread that dies before its commit loses nothing and holds no lock', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'easel.sqlite')
    try {
      const doc = new Y.Doc()
      const updates: Uint8Array[] = []
      doc.on('update', (u: Uint8Array) => updates.push(u))
      for (let i = 0; i < 10; i++) doc.getArray('a').push([i])
      const crashing = new SqlitePersistence(file, { compactionCrash: true, inlineCompactionBytes: 0 })
      for (const u of updates) await crashing.append('r', u)
      await expect(crashing.compact('r')).rejects.toThrow(/exited/)
      expect(await crashing.load('r')).toEqual(updates)
      // The dead thread's transaction is gone with it: this connection still writes.
      doc.getArray('a').push([10])
      expect(await crashing.append('r', updates.at(-1)!)).toBe(11)
      await crashing.close()

      const again = new SqlitePersistence(file, { inlineCompactionBytes: 0 })
      expect(await again.load('r')).toEqual(updates)
      const snapshot = await again.compact('r')
      expect(await again.load('r')).toEqual([snapshot])
      const copy = new Y.Doc()
      Y.applyUpdate(copy, snapshot!)
      expect(copy.getArray('a').toArray()).toEqual([...Array(11).keys()])
      await again.close()
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('checkpoints the write-ahead log in the thread: appends never do, and the log stays bounded', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'easel.sqlite')
    try {
      const p = new SqlitePersistence(file, { checkpointPages: 64, inlineCompactionBytes: 0 })
      // No append runs a checkpoint on the caller's thread.
      expect(p.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
      const row = new Uint8Array(2048).fill(7)
      // The thread starts on its first request: a compaction, before the log grows.
      await p.append('warm', Y.encodeStateAsUpdate(new Y.Doc()))
      await p.compact('warm')
      const walBefore = fs.statSync(`${file}-wal`).size
      // How many rows are appended while one of the thread's checkpoints runs: the log is bound by
      // that, whatever the machine's speed.
      const thread = (p as unknown as { thread: Pick<CompactionThread, 'checkpoint'> }).thread
      const checkpoint = thread.checkpoint.bind(thread)
      let appended = 0
      let checkpoints = 0
      let mostDuringOne = 0
      thread.checkpoint = async () => {
        const from = appended
        try {
          return await checkpoint()
        } finally {
          checkpoints++
          mostDuringOne = Math.max(mostDuringOne, appended - from)
        }
      }
      for (let i = 0; i < 3000; i++) {
        await p.append('r', row)
        appended++
        // The thread's answers arrive between event-loop turns, as between a server's frames.
        if (i % 20 === 19) await new Promise((r) => setImmediate(r))
      }
      // Without checkpoints the log would hold every row (~54 MB, about 4 pages a row): it restarts
      // instead, and never grows far past the rows appended before a checkpoint is asked for (16
      // here) and while it runs. A restart can come one cycle late, and a cycle can split b-tree
      // pages: three times that, at 5 pages a row, bounds it on any machine (twice was passed by 9 %
      // once, on a loaded CI machine), and never more than half of the log without checkpoints.
      expect(walBefore).toBeLessThan(1024 * 1024)
      expect(checkpoints).toBeGreaterThan(1)
      const bound = 3 * (16 + mostDuringOne) * 5 * (4096 + 24)
      expect(fs.statSync(`${file}-wal`).size).toBeLessThan(Math.min(bound, (3000 * 4 * 4096) / 2))
      expect(await p.logLength('r')).toBe(3000)
      await p.close()
      const again = new SqlitePersistence(file)
      expect((await again.load('r')).length).toBe(3000)
      await again.close()
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('compacts a :memory: database inline', async () => {
    const p = new SqlitePersistence(':memory:')
    await p.append('m', Y.encodeStateAsUpdate(new Y.Doc()))
    expect(await p.compact('m')).toBeInstanceOf(Uint8Array)
    expect(await p.logLength('m')).toBe(0)
    await p.close()
  })
})
