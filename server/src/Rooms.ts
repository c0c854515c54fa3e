import type { Logger } from 'pino'
import type { LeaseConfig } from '@easel/shared'
import type { Extension } from './Extension.ts'
import type { Persistence } from './persistence/Persistence.ts'
import { Room } from './Room.ts'

/**
 * The rooms in memory. A room is loaded by its first connection and freed (compacted, then
 * destroyed) once its last connection has left and `unloadDelayMs` passed without a new one.
 */
export class Rooms {
  private readonly rooms = new Map<string, Room>()
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>()

  constructor(
    private readonly persistence: Persistence,
    private readonly options: {
      compactAfter: number
      lease: LeaseConfig
      unloadDelayMs: number
      log: Logger
      extensions: readonly Extension[]
    },
  ) {}

  get size(): number {
    return this.rooms.size
  }

  get(name: string): Room | undefined {
    return this.rooms.get(name)
  }

  [Symbol.iterator](): IterableIterator<Room> {
    return this.rooms.values()
  }

  /**
   * The room, loaded from storage if it is not in memory. Throws if it cannot be loaded; nothing
   * of a failed load stays in memory, so the next attempt reads storage again.
   */
  acquire(name: string): Room {
    const timer = this.unloadTimers.get(name)
    if (timer) {
      clearTimeout(timer)
      this.unloadTimers.delete(name)
    }
    let room = this.rooms.get(name)
    if (!room) {
      try {
        room = new Room(name, this.persistence, { ...this.options, onBroken: this.forget })
      } catch (err) {
        this.persistence.forget(name)
        throw err
      }
      this.rooms.set(name, room)
    }
    return room
  }

  /** A broken room is dropped at once and not compacted: storage holds the truth. */
  private readonly forget = (room: Room): void => {
    if (this.rooms.get(room.name) !== room) return
    const timer = this.unloadTimers.get(room.name)
    if (timer) clearTimeout(timer)
    this.unloadTimers.delete(room.name)
    this.unload(room)
  }

  /** Called after a connection left: schedules the unload of an empty room. */
  release(room: Room): void {
    if (room.conns.size > 0 || this.rooms.get(room.name) !== room) return
    if (this.options.unloadDelayMs === 0) {
      this.unload(room)
      return
    }
    if (this.unloadTimers.has(room.name)) return
    this.unloadTimers.set(
      room.name,
      setTimeout(() => {
        this.unloadTimers.delete(room.name)
        if (room.conns.size === 0) this.unload(room)
      }, this.options.unloadDelayMs),
    )
  }

  private unload(room: Room): void {
    this.rooms.delete(room.name)
    try {
      room.destroy()
    } catch (err) {
      this.options.log.error({ err, room: room.name }, 'unloading room failed')
    }
  }

  /** Flushes and frees every room (shutdown). Connections must have been closed first. */
  unloadAll(): void {
    for (const t of this.unloadTimers.values()) clearTimeout(t)
    this.unloadTimers.clear()
    for (const room of [...this.rooms.values()]) this.unload(room)
  }
}
