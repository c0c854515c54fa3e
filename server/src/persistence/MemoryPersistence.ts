import { foldUpdates } from './foldUpdates.ts'
import type { Persistence } from './Persistence.ts'

/** Everything a {@link MemoryPersistence} stores for one room. */
export type MemoryRoomLog = { snapshot: Uint8Array | null; log: Uint8Array[] }

/**
 * Room documents in memory, for tests and throwaway servers. Two instances over the same `rooms`
 * map behave like one store reopened after a restart.
 */
export class MemoryPersistence implements Persistence {
  constructor(readonly rooms: Map<string, MemoryRoomLog> = new Map()) {}

  private room(name: string): MemoryRoomLog {
    let r = this.rooms.get(name)
    if (!r) {
      r = { snapshot: null, log: [] }
      this.rooms.set(name, r)
    }
    return r
  }

  async load(room: string): Promise<Uint8Array[]> {
    const r = this.rooms.get(room)
    if (!r) return []
    return r.snapshot ? [r.snapshot, ...r.log] : [...r.log]
  }

  async append(room: string, update: Uint8Array): Promise<number> {
    return this.room(room).log.push(update.slice())
  }

  /** Folds synchronously, on the caller's thread: this store is for tests and small servers. */
  async compact(room: string, given?: Uint8Array): Promise<Uint8Array | null> {
    const r = this.rooms.get(room)
    if (!r || r.log.length === 0) return null
    const state = given?.slice() ?? foldUpdates(r.snapshot ? [r.snapshot, ...r.log] : r.log)
    r.snapshot = state
    r.log = []
    return state.slice()
  }

  async logLength(room: string): Promise<number> {
    return this.rooms.get(room)?.log.length ?? 0
  }

  async close(): Promise<void> {}
}
