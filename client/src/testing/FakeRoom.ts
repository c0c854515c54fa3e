import * as Y from 'yjs'
import {
  type CommitRequest,
  type CommitResult,
  type FieldState,
  type LeaseEvent,
  type LeaseInfo,
  type LeaseTable,
  MemoryAuthority,
  shapesMap,
  versionedKey,
  versionedMap,
} from '@easel/shared'
import type { CommitPort } from '../editor/Editor.ts'
import { CommitQueue } from '../sync/CommitQueue.ts'
import type { LeaseClientEvent, LeasePort } from '../sync/LeaseClient.ts'

const ROOM = 'fake-room'

/**
 * An in-memory room for client unit tests: one server doc that peers sync with, and the server's
 * in-memory authority (the backend the authority contract suite checks) deciding commits and
 * leases. Messages are delivered when the test calls `deliver()`, so interleavings are explicit.
 */
export class FakeRoom {
  readonly server = new Y.Doc()
  readonly authority = new MemoryAuthority({ ttlMs: 10_000, idleMs: 30_000 })
  now = 0
  private queue: (() => void)[] = []
  private readonly ports: FakePeer[] = []

  /** The room's leases as the authority stores them; a release goes through the authority. */
  readonly leases = {
    get: (shapeId: string, now: number) => this.authority.leaseTable(ROOM).get(shapeId, now),
    releaseClient: (clientId: string, now: number) => this.leaseOp((t) => t.releaseClient(clientId, now)),
  }

  /** Runs every queued delivery (and those they queue) in order. */
  deliver(): void {
    while (this.queue.length) this.queue.shift()!()
  }

  join(name: string): FakePeer {
    const peer = new FakePeer(this, name)
    this.ports.push(peer)
    Y.applyUpdate(peer.doc, Y.encodeStateAsUpdate(this.server))
    peer.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === this) return
      Y.applyUpdate(this.server, u, peer)
    })
    this.server.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== peer) Y.applyUpdate(peer.doc, u, this)
    })
    return peer
  }

  later(fn: () => void): void {
    this.queue.push(fn)
  }

  /** Decides a commit and projects what it applied into the server doc, like the server does. */
  async commit(peer: FakePeer, req: CommitRequest): Promise<CommitResult> {
    const d = await this.authority.commit(ROOM, req, {
      sessionId: peer.clientId,
      by: peer.name,
      shapeExists: (id) => shapesMap(this.server).has(id),
      now: this.now,
      at: this.now,
    })
    if (d.apply) {
      this.server.transact(() => {
        for (const a of d.apply!) {
          const state = { version: a.version, value: a.value, by: peer.name, at: this.now }
          versionedMap(this.server).set(versionedKey(a.shapeId, a.field), state)
        }
      }, 'server')
    }
    return d.result
  }

  /** Every committed field, as the authority stores it. */
  fields(): Promise<Map<string, FieldState>> {
    return this.authority.fieldStates(ROOM)
  }

  /** A lease operation on the authority; its events are announced to peers. */
  leaseOp<T>(fn: (table: LeaseTable) => T): Promise<T> {
    return this.authority.withLeases(ROOM, this.now, fn).then(({ value, events }) => {
      this.announce(events)
      return value
    })
  }

  /** Tells peers about lease events, like the server extension does. */
  private announce(events: LeaseEvent[]): void {
    for (const e of events) {
      for (const p of this.ports) {
        if (p.clientId !== e.lease.holder.id) continue
        if (e.type === 'granted') p.emit({ type: 'granted', shapeId: e.lease.shapeId, token: e.lease.token })
        else if (e.cause !== 'released')
          p.emit({ type: 'lost', shapeId: e.lease.shapeId, token: e.lease.token, reason: e.cause })
      }
    }
    for (const p of this.ports) p.changed()
  }

  /** The room's leases as `recipient` (a peer's session id) is told of them. */
  leaseInfos(recipient?: string): LeaseInfo[] {
    return this.authority
      .leaseTable(ROOM)
      .all(this.now)
      .map((l) => ({
        shapeId: l.shapeId,
        holderId: l.holder.id,
        holderName: l.holder.name,
        holderColor: l.holder.color,
        mine: l.holder.id === recipient,
        expiresIn: l.expiresAt - this.now,
      }))
  }
}

export class FakePeer implements LeasePort {
  readonly doc = new Y.Doc()
  readonly clientId: string
  private readonly eventListeners = new Set<(e: LeaseClientEvent) => void>()
  private readonly changeListeners = new Set<() => void>()
  /** While false, commits wait (as if offline) until `online = true; resume()`. */
  online = true

  constructor(
    readonly room: FakeRoom,
    readonly name: string,
  ) {
    this.clientId = `client-${name}`
  }

  /** The browser's own commit queue, its socket the fake room (sending fails while offline). */
  private readonly queue = new CommitQueue(
    {
      send: (req) => {
        if (!this.online) return false
        this.room.later(() => {
          void this.room
            .commit(this, req)
            .then((result) => this.room.later(() => this.queue.handleResult(req.opId, result)))
        })
        return true
      },
    },
    // No frame is lost here, so no answer is waited for in vain.
    { storageKey: 'commits', setTimer: () => null, clearTimer: () => {} },
  )

  readonly commits: CommitPort = this.queue

  resume(): void {
    this.queue.resume()
  }

  // LeasePort
  acquire(shapeId: string, wait: boolean): void {
    this.room.later(() => {
      const client = { id: this.clientId, name: this.name, color: '#123456' }
      void this.room
        .leaseOp((t) => t.acquire(shapeId, client, this.room.now, wait))
        .then((r) => {
          if (r.status !== 'denied') return
          this.emit({
            type: 'denied',
            shapeId,
            holderName: r.holder.holder.name,
            holderColor: '#000',
            position: r.position,
          })
        })
    })
  }
  release(shapeId: string): void {
    this.room.later(() => void this.room.leaseOp((t) => t.release(shapeId, this.clientId, this.room.now)))
  }
  cancelWait(shapeId: string): void {
    void this.room.leaseOp((t) => t.cancelWait(shapeId, this.clientId))
  }
  touch(): void {}
  tokenOf(shapeId: string): number | null {
    const l = this.room.leases.get(shapeId, this.room.now)
    return l && l.holder.id === this.clientId ? l.token : null
  }
  leases(): LeaseInfo[] {
    return this.room.leaseInfos(this.clientId)
  }
  onEvent(listener: (e: LeaseClientEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }
  subscribe(listener: () => void): () => void {
    this.changeListeners.add(listener)
    return () => this.changeListeners.delete(listener)
  }
  emit(e: LeaseClientEvent): void {
    for (const l of this.eventListeners) l(e)
  }
  changed(): void {
    for (const l of this.changeListeners) l()
  }
}
