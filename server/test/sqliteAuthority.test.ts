import fs from 'node:fs'
import path from 'node:path'
import { SqliteAuthority, SqlitePersistence } from '../src/index.ts'
import { runAuthorityTests } from './authoritySuite.ts'
import { tempDir } from '@easel/testkit/serverProcess.ts'

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
