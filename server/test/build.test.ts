import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { insertShape, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import {
  builtServer,
  SERVER_DIR,
  type SpawnedServer,
  spawnServer,
  tempDir,
} from '@easel/testkit/serverProcess.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import Database from 'better-sqlite3'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { stockClient } from './helpers.ts'

// What `pnpm start` runs: the bundle build.mjs writes, started by plain Node (no TypeScript loader).
beforeAll(() => {
  execFileSync(process.execPath, ['build.mjs'], { cwd: SERVER_DIR, stdio: 'pipe' })
}, 60_000)

const running: SpawnedServer[] = []
const cleanups: (() => void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) c()
  for (const s of running.splice(0)) await s.stop('SIGKILL')
})

async function start(dataDir: string, args: string[] = []) {
  const s = await spawnServer(dataDir, args, { main: builtServer() })
  running.push(s)
  return s
}

function client(ws: string, room: string) {
  const c = stockClient(ws, room)
  cleanups.push(c.destroy)
  return c
}

/** The room's stored snapshot and log rows, read beside the running server (WAL lets a reader in). */
function stored(dataDir: string, room: string): { snapshot: boolean; rows: number } {
  const db = new Database(path.join(dataDir, 'easel.sqlite'), { readonly: true })
  try {
    const snapshot = db.prepare('SELECT 1 FROM room_snapshot WHERE room = ?').get(room) !== undefined
    const { n } = db.prepare('SELECT COUNT(*) AS n FROM room_update WHERE room = ?').get(room) as {
      n: number
    }
    return { snapshot, rows: n }
  } finally {
    db.close()
  }
}

describe('the production build', () => {
  it('compacts a big room in its thread and keeps every shape across kill -9', async () => {
    const dataDir = tempDir()
    const first = await start(dataDir, ['--compact-after', '20'])
    const writer = client(first.wsUrl, 'built')
    await writer.synced
    // 30 updates of 40 shapes: past the compaction threshold in count, and past the 64 KiB a room may
    // fold inline, so the compaction thread (dist/compactWorker.js) folds it.
    for (let u = 0; u < 30; u++) {
      writer.doc.transact(() => {
        for (let i = 0; i < 40; i++) insertShape(writer.doc, `s${u}x${i}`, { ...RECT, x: u, y: i })
      })
    }
    await waitFor(() => {
      const { snapshot, rows } = stored(dataDir, 'built')
      return snapshot && rows < 30
    }, 'a compaction of the room')
    const observer = client(first.wsUrl, 'built')
    await observer.synced
    await waitFor(() => shapesMap(observer.doc).size === 1200, 'every shape broadcast')
    await first.stop('SIGKILL')
    for (const c of cleanups.splice(0)) c()

    const second = await start(dataDir)
    const fresh = client(second.wsUrl, 'built')
    await fresh.synced
    expect(shapesMap(fresh.doc).size).toBe(1200)
    expect(shapesMap(fresh.doc).get('s29x39')?.get('y')).toBe(39)
  })
})
