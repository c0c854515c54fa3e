import type { LeaseInfo, ServerMessage } from '@easel/shared'
import type { BoardSync } from './BoardSync.ts'

/** What the text-editing layer hears about its own lease requests. */
export type LeaseClientEvent =
  | { type: 'granted'; shapeId: string; token: number }
  | {
      type: 'denied'
      shapeId: string
      holderName: string
      holderColor: string
      position: number | null
      reason?: string
    }
  | { type: 'lost'; shapeId: string; token: number; reason: string }
  /** The socket is back after a disconnect (leases held before it were released by the server). */
  | { type: 'online' }

/** The browser's side of the lease protocol; the editor talks to it through this interface. */
export interface LeasePort {
  acquire(shapeId: string, wait: boolean): void
  release(shapeId: string): void
  cancelWait(shapeId: string): void
  /** The user typed: the next renewal says so (resets the server's idle timer). */
  touch(shapeId: string): void
  tokenOf(shapeId: string): number | null
  /** Every live lease in the room as the server last announced it (`mine`: this session's). */
  leases(): LeaseInfo[]
  onEvent(listener: (e: LeaseClientEvent) => void): () => void
  subscribe(listener: () => void): () => void
}

/**
 * Leases over the board's socket: asks, renews every TTL/3 while held, releases, and treats a
 * dropped connection as a lost lease (the server releases it the moment the socket closes).
 */
export class LeaseClient implements LeasePort {
  /** The room's leases by shape: the list sent after hello, then the changes announced since. */
  private readonly all = new Map<string, LeaseInfo>()
  /** `all` as an array, built once per change (a stable snapshot for renders). */
  private list: LeaseInfo[] | null = null
  private readonly mine = new Map<string, { token: number; active: boolean }>()
  /**
   * Leases held when the socket dropped. A server that died without seeing the close still has
   * them for this session after its restart; whatever is not asked for again is given back.
   */
  private readonly dropped = new Map<string, number>()
  private readonly events = new Set<(e: LeaseClientEvent) => void>()
  private readonly listeners = new Set<() => void>()
  private renewTimer: ReturnType<typeof setInterval> | null = null
  private ttlMs = 10_000
  private readonly unsubscribe: (() => void)[] = []

  constructor(private readonly sync: Pick<BoardSync, 'onEasel' | 'subscribe' | 'easelReady' | 'sendEasel'>) {
    this.unsubscribe.push(sync.onEasel(this.onMessage))
    let ready = sync.easelReady
    this.unsubscribe.push(
      sync.subscribe(() => {
        if (ready === sync.easelReady) return
        ready = sync.easelReady
        if (!ready) this.dropAll('disconnected')
        else {
          // Listeners ask again for what they still want; the rest is released.
          this.emitEvent({ type: 'online' })
          for (const [shapeId, token] of this.dropped)
            this.sync.sendEasel({ t: 'lock.release', shapeId, token })
          this.dropped.clear()
        }
      }),
    )
  }

  private readonly onMessage = (m: ServerMessage) => {
    switch (m.t) {
      case 'welcome':
        this.ttlMs = m.lease.ttlMs
        return
      case 'leases':
        this.all.clear()
        for (const l of m.leases) this.all.set(l.shapeId, l)
        this.changed()
        return
      case 'leases.changed':
        for (const id of m.removed) this.all.delete(id)
        for (const l of m.set) this.all.set(l.shapeId, l)
        this.changed()
        return
      case 'lock.granted':
        this.mine.set(m.shapeId, { token: m.token, active: false })
        this.ensureRenewing()
        this.emitEvent({ type: 'granted', shapeId: m.shapeId, token: m.token })
        this.changed()
        return
      case 'lock.denied':
        this.emitEvent({
          type: 'denied',
          shapeId: m.shapeId,
          holderName: m.holderName,
          holderColor: m.holderColor,
          position: m.position,
          reason: m.reason,
        })
        return
      case 'lock.lost': {
        const held = this.mine.get(m.shapeId)
        if (!held || held.token !== m.token) return
        this.mine.delete(m.shapeId)
        this.emitEvent({ type: 'lost', shapeId: m.shapeId, token: m.token, reason: m.reason })
        this.changed()
        return
      }
      default:
    }
  }

  private dropAll(reason: string): void {
    for (const [shapeId, { token }] of [...this.mine]) {
      this.mine.delete(shapeId)
      this.dropped.set(shapeId, token)
      this.emitEvent({ type: 'lost', shapeId, token, reason })
    }
    this.all.clear()
    this.changed()
  }

  private ensureRenewing(): void {
    if (this.renewTimer) return
    this.renewTimer = setInterval(() => {
      if (this.mine.size === 0) {
        clearInterval(this.renewTimer!)
        this.renewTimer = null
        return
      }
      for (const [shapeId, held] of this.mine) {
        this.sync.sendEasel({ t: 'lock.renew', shapeId, token: held.token, activity: held.active })
        held.active = false
      }
    }, this.ttlMs / 3)
  }

  acquire(shapeId: string, wait: boolean): void {
    this.dropped.delete(shapeId)
    if (!this.sync.sendEasel({ t: 'lock.acquire', shapeId, wait })) {
      this.emitEvent({
        type: 'denied',
        shapeId,
        holderName: '',
        holderColor: '',
        position: null,
        reason: 'offline',
      })
    }
  }

  release(shapeId: string): void {
    const held = this.mine.get(shapeId)
    if (!held) return
    this.mine.delete(shapeId)
    this.sync.sendEasel({ t: 'lock.release', shapeId, token: held.token })
    this.changed()
  }

  cancelWait(shapeId: string): void {
    this.sync.sendEasel({ t: 'lock.cancelWait', shapeId })
  }

  touch(shapeId: string): void {
    const held = this.mine.get(shapeId)
    if (held) held.active = true
  }

  tokenOf(shapeId: string): number | null {
    return this.mine.get(shapeId)?.token ?? null
  }

  leases(): LeaseInfo[] {
    this.list ??= [...this.all.values()]
    return this.list
  }

  onEvent(listener: (e: LeaseClientEvent) => void): () => void {
    this.events.add(listener)
    return () => this.events.delete(listener)
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emitEvent(e: LeaseClientEvent): void {
    for (const l of this.events) l(e)
  }

  private changed(): void {
    this.list = null
    for (const l of this.listeners) l()
  }

  destroy(): void {
    for (const u of this.unsubscribe) u()
    if (this.renewTimer) clearInterval(this.renewTimer)
  }
}
