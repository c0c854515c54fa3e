import fs from 'node:fs'
import path from 'node:path'
import { MemoryPersistence, type MemoryRoomLog, SqlitePersistence } from '../src/index.ts'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { runPersistenceTests } from './persistenceSuite.ts'

runPersistenceTests('SQLite', async () => {
  const dir = tempDir()
  const file = path.join(dir, 'easel.sqlite')
  return {
    persistence: new SqlitePersistence(file),
    reopen: async () => new SqlitePersistence(file),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  }
})

runPersistenceTests('memory', async () => {
  const rooms = new Map<string, MemoryRoomLog>()
  return {
    persistence: new MemoryPersistence(rooms),
    reopen: async () => new MemoryPersistence(rooms),
    cleanup: async () => {},
  }
})
