import { MemoryAuthority, type MemoryAuthorityRoom } from '@easel/shared'
import { runAuthorityTests } from './authoritySuite.ts'

runAuthorityTests('memory', async () => {
  const lease = { ttlMs: 10_000, idleMs: 30_000 }
  const rooms = new Map<string, MemoryAuthorityRoom>()
  return {
    authority: new MemoryAuthority(lease, rooms),
    reopen: async () => new MemoryAuthority(lease, rooms),
    cleanup: async () => {},
  }
})
