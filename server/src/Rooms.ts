import type { Logger } from 'pino'
import { CloseCode, type LeaseConfig } from '@easel/shared'
import type { Connection } from './Connection.ts'
import { type ConnectContext, ConnectionRefused, type Extension } from './Extension.ts'
import type { Limits } from './limits.ts'
import type { Persistence } from './persistence/Persistence.ts'
import { Room, type RoomOptions } from './Room.ts'

/** A join that would load one room more than `maxRooms`. */
class TooManyRooms extends Error {
  override name = 'TooManyRooms'
}

/**
 * The rooms in memory. A room is loaded by its first connection and freed (compacted, then
 * destroyed) once its last connection has left and `unloadDelayMs` passed without a new one.
 */
export class Rooms {
  private readonly rooms = new Map<string, Room>()
  /** Loads under way: every join that arrives meanwhile waits on the same one. */
  private readonly loading = new Map<string, Promise<Room>>()
  /** Unloads under way: a room is loaded again only once its previous copy is freed. */
  private readonly unloading = new Map<string, Promise<void>>()
  /** Joins waiting for a room to load, which keep it from being unloaded meanwhile. */
  private readonly joining = new Map<string, number>()
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>()

  constructor(
    private readonly persistence: Persistence,
    private readonly options: Omit<RoomOptions, 'onBroken'> & {
      compactAfter: number
      /** Rooms in memory (and loading) at most; a join that would load one more is refused. */
      maxRooms: number
      maxDocBytes: number
      /** Where refused joins are counted. */
      limits: Limits
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
   * The room, loaded from storage if it is not in memory. Rejects if it cannot be loaded; nothing
   * of a failed load stays in memory, so the next attempt reads storage again.
   */
  acquire(name: string): Promise<Room> {
    const timer = this.unloadTimers.get(name)
    if (timer) {
      clearTimeout(timer)
      this.unloadTimers.delete(name)
    }
    const room = this.rooms.get(name)
    if (room) return Promise.resolve(room)
    let loading = this.loading.get(name)
    if (!loading) {
      if (this.rooms.size + this.loading.size >= this.options.maxRooms) {
        return Promise.reject(new TooManyRooms(`${this.options.maxRooms} rooms are in memory`))
      }
      loading = this.load(name)
      this.loading.set(name, loading)
    }
    return loading
  }

  private async load(name: string): Promise<Room> {
    try {
      await this.unloading.get(name)
      const room = await Room.load(name, this.persistence, { ...this.options, onBroken: this.forget })
      this.rooms.set(name, room)
      return room
    } catch (err) {
      this.persistence.forget?.(name)
      throw err
    } finally {
      this.loading.delete(name)
    }
  }

  /**
   * Acquires the room and adds `conn` to it, unless `conn` closed while the room was loading.
   * Rejects, with nothing joined, if the room cannot be loaded.
   */
  async join(name: string, conn: Connection): Promise<Room> {
    this.joining.set(name, (this.joining.get(name) ?? 0) + 1)
    let room: Room
    try {
      room = await this.acquire(name)
    } finally {
      const n = this.joining.get(name)! - 1
      if (n === 0) this.joining.delete(name)
      else this.joining.set(name, n)
    }
    if (!conn.closed) room.join(conn)
    else this.release(room)
    return room
  }

  /**
   * A new socket: every `onConnect`, then every `onAuthenticate` hook, in order, then the join.
   * Resolves with the room, or null when the socket was closed instead: refused by a hook (with
   * the hook's code), the room could not be loaded ({@link CloseCode.TryAgainLater}), or loading
   * it would pass `maxRooms` ({@link CloseCode.ServerBusy}).
   */
  async enter(conn: Connection, ctx: ConnectContext): Promise<Room | null> {
    try {
      for (const ext of this.options.extensions) await ext.onConnect?.(ctx)
      for (const ext of this.options.extensions) await ext.onAuthenticate?.(ctx)
    } catch (err) {
      if (err instanceof ConnectionRefused) {
        conn.log.info({ reason: err.message }, 'connection refused')
        conn.close(err.code, err.message)
      } else {
        conn.log.error({ err }, 'a connect hook failed')
        conn.close(CloseCode.InternalError, 'internal error')
      }
      return null
    }
    if (conn.closed) return null
    conn.readOnly = ctx.readOnly
    conn.access = ctx.access ?? null
    try {
      return await this.join(ctx.room, conn)
    } catch (err) {
      if (err instanceof TooManyRooms) {
        conn.trip('rooms', { max: this.options.maxRooms })
        conn.close(CloseCode.ServerBusy, 'server busy: too many boards open')
        return null
      }
      this.options.log.error({ err, room: ctx.room }, 'loading the room failed')
      conn.close(CloseCode.TryAgainLater, 'the board could not be loaded; retrying')
      return null
    }
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
    if (!this.unused(room)) return
    if (this.options.unloadDelayMs === 0) {
      this.unload(room)
      return
    }
    if (this.unloadTimers.has(room.name)) return
    this.unloadTimers.set(
      room.name,
      setTimeout(() => {
        this.unloadTimers.delete(room.name)
        if (this.unused(room)) this.unload(room)
      }, this.options.unloadDelayMs),
    )
  }

  private unused(room: Room): boolean {
    return room.conns.size === 0 && !this.joining.has(room.name) && this.rooms.get(room.name) === room
  }

  private unload(room: Room): void {
    this.rooms.delete(room.name)
    const freed = room.destroy().catch((err) => {
      this.options.log.error({ err, room: room.name }, 'unloading room failed')
    })
    this.unloading.set(room.name, freed)
    void freed.then(() => {
      if (this.unloading.get(room.name) === freed) this.unloading.delete(room.name)
    })
  }

  /** Whether a room is loading, unloading, or has work queued. */
  get busy(): boolean {
    return this.loading.size > 0 || this.unloading.size > 0 || [...this.rooms.values()].some((r) => r.busy)
  }

  /** Flushes and frees every room (shutdown). Connections must have been closed first. */
  async unloadAll(): Promise<void> {
    for (const t of this.unloadTimers.values()) clearTimeout(t)
    this.unloadTimers.clear()
    await Promise.allSettled(this.loading.values())
    for (const room of [...this.rooms.values()]) this.unload(room)
    await Promise.all(this.unloading.values())
  }
}
