import * as encoding from 'lib0/encoding'
import type { Logger } from 'pino'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { CloseCode, type LeaseConfig, MessageType, migrateDoc } from '@easel/shared'
import type { SessionKeys } from './authority/identity.ts'
import { type AwarenessLimits, awarenessFrame, ClientFrames, syncStep1Frame } from './ClientFrames.ts'
import type { Connection } from './Connection.ts'
import type { Extension, RoomContext } from './Extension.ts'
import type { Meter } from './observability/telemetry.ts'
import { nextTurn, sliceSpent } from './fairness.ts'
import { ORIGIN_LOAD, ORIGIN_SERVER } from './origins.ts'
import type { Persistence } from './persistence/Persistence.ts'

export type RoomOptions = {
  compactAfter: number
  /** Size a board's document may reach; an update that would pass it is refused (BoardFull). */
  maxDocBytes: number
  lease: LeaseConfig
  log: Logger
  extensions: readonly Extension[]
  /** Issues session ids and checks resume secrets in `hello`. */
  sessions: SessionKeys
  /** What one connection may put into awareness (defaults: config's). */
  awareness?: AwarenessLimits
  /** Where updates in and out, awareness and storage writes are counted (none: not counted). */
  meter?: Meter
  /**
   * The room's memory can no longer be trusted (storage failed, or an update could not be
   * integrated cleanly): its owner must forget it at once, without compacting, so the next join
   * loads what is on disk.
   */
  onBroken?: (room: Room) => void
}

/**
 * A compaction of a board whose document is at most this size (an upper bound: `Room.docBytes`)
 * stores the room's own encoding of it instead of having storage decode and integrate the snapshot
 * and every logged update again (`foldUpdates`). Measured at this size (1 550 shapes): encoding
 * 2.4 ms on the event loop, folding 42 ms (on the compaction thread).
 */
export const SNAPSHOT_FROM_MEMORY_BYTES = 256 * 1024

/**
 * One board in memory: its Y.Doc, awareness, and the connections in it. Everything that reads or
 * changes the document (client frames, joins, leaves, server writes) runs as a task on one queue
 * per room, and a task's updates are appended to storage, one after another, before they are
 * broadcast and before the next task starts: a client never sees an update the disk does not
 * have. The document is fully loaded before the first client frame is handled.
 */
export class Room implements RoomContext {
  readonly doc = new Y.Doc({ gc: true })
  readonly awareness: awarenessProtocol.Awareness
  readonly conns = new Set<Connection>()
  private readonly log: Logger
  /** The tail of the task queue. */
  private queue: Promise<void> = Promise.resolve()
  /** Tasks queued and not finished. */
  private pending = 0
  private inTask = false
  /** Updates made since the last store, in order, with their origin. */
  private readonly unstored: { update: Uint8Array; origin: unknown }[] = []
  /** Set once the room's memory diverged from storage; nothing more is stored or broadcast. */
  private broken = false
  private readonly frames: ClientFrames
  private destroyed = false
  /** Set once every `onLoadDocument` ran: `onChange` is for changes after the load. */
  private loaded = false
  private bytes = 0
  /** The whole document as one update, until the document next changes (see `encodedState`). */
  private state: Uint8Array | null = null
  private encodings = 0
  /** Bytes of every update stored since the load: what a compaction's snapshot is short of. */
  private storedBytes = 0
  /** The compaction in flight, if any (one at a time); it runs beside the task queue. */
  private compacting: Promise<void> | null = null

  /**
   * Reads the room from storage, migrates it, and runs every `onLoadDocument` hook. Throws if any
   * of it fails; nothing of a failed load stays in memory.
   */
  static async load(name: string, persistence: Persistence, options: RoomOptions): Promise<Room> {
    const room = new Room(name, persistence, options)
    try {
      await room.init()
    } catch (err) {
      room.free()
      throw err
    }
    return room
  }

  private constructor(
    readonly name: string,
    private readonly persistence: Persistence,
    private readonly options: RoomOptions,
  ) {
    this.log = options.log.child({ room: name })
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.onAwarenessUpdate)
    this.frames = new ClientFrames(this, options, (code, reason, detail) =>
      this.breakRoom(code, reason, detail),
    )
  }

  private async init(): Promise<void> {
    const stored = await this.persistence.load(this.name)
    if (stored.length > 0) {
      this.doc.transact(() => {
        for (const update of stored) Y.applyUpdate(this.doc, update)
      }, ORIGIN_LOAD)
    }
    const store = this.doc.store
    if (store.pendingStructs !== null || store.pendingDs !== null) {
      // Written by an older server that let incomplete updates in: they can never integrate, and
      // would be handed to every joiner. The next compaction drops them from disk too.
      this.log.warn('dropping stored structs whose dependencies are missing')
      store.pendingStructs = null
      store.pendingDs = null
    }
    this.bytes = stored.length > 0 ? this.encodedState().byteLength : 0
    this.doc.on('update', this.onDocUpdate)
    migrateDoc(this.doc, ORIGIN_SERVER)
    await this.idle()
    for (const ext of this.options.extensions) await ext.onLoadDocument?.(this)
    await this.idle()
    if (this.broken) throw new Error('storing the loaded room failed')
    this.loaded = true
    this.log.debug({ storedUpdates: stored.length }, 'room loaded')
  }

  /**
   * Size of the document in bytes, an upper bound: exact after the load and after each compaction
   * (the encoded state), plus the length of every update stored since.
   */
  get docBytes(): number {
    return this.bytes
  }

  get maxDocBytes(): number {
    return this.options.maxDocBytes
  }

  /** Whether tasks are queued or running, or a compaction is. */
  get busy(): boolean {
    return this.pending > 0 || this.compacting !== null
  }

  /** Resolves once every task queued so far has run. */
  idle(): Promise<void> {
    return this.queue
  }

  /** Runs `task` after every earlier task, then stores and broadcasts what it changed. */
  private run(task: () => void | Promise<void>): Promise<void> {
    this.pending++
    const done = this.queue.then(async () => {
      // Other rooms' sockets are read before this room goes on (see fairness.ts).
      if (sliceSpent()) await nextTurn()
      if (this.destroyed) return
      this.inTask = true
      try {
        await task()
      } finally {
        this.inTask = false
        await this.store()
      }
    })
    void done.finally(() => this.pending--).catch(() => {})
    this.queue = done.catch(() => {})
    return done
  }

  transact(fn: (doc: Y.Doc) => void): Promise<void> {
    return this.run(() => this.doc.transact(() => fn(this.doc), ORIGIN_SERVER))
  }

  /**
   * The whole document encoded as one update (what a joiner with nothing is sent), encoded once
   * and kept until the document changes: joiners of an unchanged board share one encoding.
   */
  encodedState(): Uint8Array {
    const store = this.doc.store
    // Pending structs are part of an encoding; the room drops them, but never serve a stale copy.
    if (this.state === null || store.pendingStructs !== null || store.pendingDs !== null) {
      this.state = Y.encodeStateAsUpdate(this.doc)
      this.encodings++
    }
    return this.state
  }

  /** How many times `encodedState` encoded the document (the rest were served from the cache). */
  get stateEncodings(): number {
    return this.encodings
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    this.state = null
    if (origin === ORIGIN_LOAD || this.broken) return
    if (this.frames.discardsUpdate()) return
    this.unstored.push({ update, origin })
    // A change made outside any task (an extension writing to the document directly).
    if (!this.inTask) this.run(() => {}).catch(this.logFailure)
  }

  /** Durable first, then broadcast, one update after another. */
  private async store(): Promise<void> {
    let logLength = 0
    while (this.unstored.length > 0 && !this.broken) {
      const { update, origin } = this.unstored.shift()!
      const started = performance.now()
      try {
        logLength = await this.persistence.append(this.name, update)
        this.options.meter?.persisted(performance.now() - started)
      } catch (err) {
        this.breakRoom(CloseCode.InternalError, 'storage failure', (err as Error).message)
        break
      }
      this.bytes += update.byteLength
      this.storedBytes += update.byteLength
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, MessageType.Sync)
      syncProtocol.writeUpdate(encoder, update)
      const frame = encoding.toUint8Array(encoder)
      let deliveries = 0
      for (const conn of this.conns) {
        if (conn === origin) continue
        conn.send(frame)
        deliveries++
      }
      this.options.meter?.updatesOut(deliveries, frame.byteLength)
      const source = this.conns.has(origin as Connection) ? (origin as Connection) : null
      if (this.loaded) await this.notify('onChange', (ext) => ext.onChange?.(this, update, source))
    }
    this.unstored.length = 0
    if (logLength >= this.options.compactAfter && !this.broken && !this.compacting) {
      // The document holds exactly what is stored now. A small board's encoding is the snapshot
      // (and is kept for joiners); storage takes it before anything else is appended. A larger one
      // is folded from storage beside the queue (off the event loop where the backend can), so
      // this room's next task does not wait for it.
      void this.storeSnapshot(this.bytes <= SNAPSHOT_FROM_MEMORY_BYTES ? this.encodedState() : undefined)
    }
  }

  /** Calls a hook of every extension in registration order, awaiting each; failures are logged. */
  private async notify(hook: string, call: (ext: Extension) => unknown): Promise<void> {
    for (const ext of this.options.extensions) {
      try {
        // Most hooks are absent or synchronous: wait only for the ones that return a promise.
        const result = call(ext)
        if (result instanceof Promise) await result
      } catch (err) {
        this.log.error({ err, extension: ext.name }, `${hook} failed`)
      }
    }
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    const changed = added.concat(updated, removed)
    const source = this.conns.has(origin as Connection) ? (origin as Connection) : null
    if (source) {
      for (const id of added) source.awarenessIds.add(id)
      for (const id of removed) source.awarenessIds.delete(id)
    }
    const frame = awarenessFrame(this.awareness, changed)
    // The sender gets its own state back too: y-websocket clients treat 30 s without any incoming
    // frame as a dead socket, and their 15 s awareness renewal echo is what a lone client receives.
    for (const conn of this.conns) conn.send(frame)
  }

  /**
   * The document in memory no longer matches storage. Drop everyone (they keep their edits and
   * resync on reconnect) and have the room forgotten, so the next join loads what is on disk.
   */
  private breakRoom(code: CloseCode, reason: string, detail: string): void {
    if (this.broken) return
    this.broken = true
    this.log.error({ detail }, `room state discarded: ${reason}`)
    for (const conn of this.conns) conn.close(code, reason)
    this.options.onBroken?.(this)
  }

  /**
   * Folds the update log into one snapshot so the next load reads one row; resolves once every
   * update stored before the call is in the snapshot.
   */
  async compact(): Promise<void> {
    let snapshot: Promise<void> = Promise.resolve()
    await this.run(() => {
      snapshot = this.storeSnapshot()
    })
    await snapshot
  }

  /**
   * Has storage fold everything stored so far into a snapshot, after the compaction in flight if
   * there is one; or, given the document's `state` while it holds exactly what is stored and no
   * compaction is in flight, store that (storage is called at once, before any other append).
   * Never rejects: on failure the log is still whole and the next one tries again.
   */
  private storeSnapshot(state?: Uint8Array): Promise<void> {
    const run = async () => {
      if (state === undefined) await this.compacting
      const storedBefore = this.storedBytes
      try {
        const snapshot = await this.persistence.compact(this.name, state)
        if (snapshot === null) return
        // Exact for the snapshot, plus what was stored while it was folded.
        this.bytes = snapshot.byteLength + (this.storedBytes - storedBefore)
        await this.notify('onStoreDocument', (ext) => ext.onStoreDocument?.(this, snapshot))
      } catch (err) {
        this.log.error({ err }, 'compaction failed')
      }
    }
    const done = run().finally(() => {
      if (this.compacting === done) this.compacting = null
    })
    this.compacting = done
    return done
  }

  /**
   * Adds a connection. It is sent the server's state vector and everyone's awareness after every
   * task queued before it.
   */
  join(conn: Connection): void {
    this.conns.add(conn)
    this.run(() => {
      if (conn.closed) return
      conn.send(syncStep1Frame(this.doc))
      if (this.awareness.getStates().size > 0) conn.send(awarenessFrame(this.awareness))
    }).catch(this.logFailure)
  }

  private readonly logFailure = (err: unknown) => this.log.error({ err }, 'room task failed')

  /** Removes a connection and its awareness, after every task queued before. */
  leave(conn: Connection): Promise<void> {
    return this.run(async () => {
      if (!this.conns.delete(conn)) return
      if (conn.awarenessIds.size > 0) {
        awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessIds], null)
      }
      await this.notify('onDisconnect', (ext) => ext.onDisconnect?.(this, conn))
    })
  }

  /** Queues one frame from a client, for {@link ClientFrames.handle}. */
  receive(conn: Connection, data: Uint8Array): Promise<void> {
    // A large update's inspection yields the event loop: the room's later tasks wait for it.
    return this.run(() => (!conn.closed && this.conns.has(conn) ? this.frames.handle(conn, data) : undefined))
  }

  /**
   * Frees the document after every queued task: `onDestroy`, then the last snapshot (unless the
   * room's memory is not to be trusted).
   */
  destroy(): Promise<void> {
    return this.run(async () => {
      await this.notify('onDestroy', (ext) => ext.onDestroy?.(this))
      // Rooms.ts loads the room again only once this resolves: no compaction of it may be left
      // running behind the next copy's back.
      if (!this.broken) await this.storeSnapshot()
      else await this.compacting
      this.free()
    })
  }

  private free(): void {
    this.destroyed = true
    this.doc.off('update', this.onDocUpdate)
    this.awareness.destroy()
    this.doc.destroy()
    this.persistence.forget?.(this.name)
  }
}
