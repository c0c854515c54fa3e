/**
 * Tier 3: leased soft locks with fencing tokens, as a pure state machine over an injected clock.
 * The server's storage backends load a room's table, apply one operation and store the result
 * atomically; the rules themselves live only here.
 */

import type { LeaseView } from './commit.ts'

/** Lease timings in milliseconds. */
export type LeaseConfig = {
  /** A lease not renewed within this time expires. */
  ttlMs: number
  /** A lease whose holder has not typed (renewed with activity) for this long is released. */
  idleMs: number
}

export const DEFAULT_LEASE_CONFIG: LeaseConfig = { ttlMs: 10_000, idleMs: 30_000 }

/**
 * Who asks for a lease: the public id of the session the server issued (its `sessionId`), plus
 * the name and colour the server normalised for it.
 */
export type LeaseClient = { id: string; name: string; color: string }

export type Lease = {
  shapeId: string
  holder: LeaseClient
  /** Fencing token: strictly greater than every token granted before in this room. */
  token: number
  /** Clock time at which the lease expires unless renewed. */
  expiresAt: number
  /** Clock time of the holder's last activity (typing), for idle release. */
  activeAt: number
}

export type Waiter = { client: LeaseClient; since: number }

/** Why a lease ended. */
export type ReleaseCause = 'released' | 'disconnected' | 'expired' | 'idle'

/** Serialisable state of one room's leases. */
export type LeaseState = {
  /** Last token granted in the room (0 if none yet). Never decreases. */
  lastToken: number
  leases: Record<string, Lease>
  /** Waiters per shape, in request order. */
  queues: Record<string, Waiter[]>
}

export function emptyLeaseState(): LeaseState {
  return { lastToken: 0, leases: {}, queues: {} }
}

/** What an operation did, for the server to announce. */
export type LeaseEvent =
  | { type: 'granted'; lease: Lease; waitedMs: number }
  | { type: 'ended'; lease: Lease; cause: ReleaseCause }

export type AcquireResult =
  | { status: 'granted'; lease: Lease }
  /** Someone else holds it; `position` is set (1-based) when the client chose to wait. */
  | { status: 'denied'; holder: Lease; position: number | null }

export type RenewResult = { status: 'renewed'; lease: Lease } | { status: 'lost'; current: Lease | null }

/**
 * A room's lease table. Every method takes the current clock time; expired leases are collected
 * first, so no method ever acts on a lease past its expiry.
 */
export class LeaseTable {
  readonly events: LeaseEvent[] = []

  constructor(
    readonly state: LeaseState,
    readonly config: LeaseConfig,
  ) {}

  /** The live lease on a shape, if any. */
  get(shapeId: string, now: number): Lease | null {
    this.expire(now)
    return this.state.leases[shapeId] ?? null
  }

  /** The live lease on a shape as a commit sees it (holder and token), if any. */
  view(shapeId: string, now: number): LeaseView | null {
    const l = this.get(shapeId, now)
    return l ? { holderId: l.holder.id, holderName: l.holder.name, token: l.token } : null
  }

  all(now: number): Lease[] {
    this.expire(now)
    return Object.values(this.state.leases)
  }

  acquire(shapeId: string, client: LeaseClient, now: number, wait = false): AcquireResult {
    this.expire(now)
    const current = this.state.leases[shapeId]
    if (current && current.holder.id === client.id) {
      // Re-acquiring one's own lease refreshes it and keeps the token. It is announced like any
      // grant: the asker may have forgotten it holds it (a reload, a reconnect, a server restart)
      // and waits for the answer.
      current.expiresAt = now + this.config.ttlMs
      current.activeAt = now
      this.events.push({ type: 'granted', lease: { ...current }, waitedMs: 0 })
      return { status: 'granted', lease: { ...current } }
    }
    if (current) {
      let position: number | null = null
      if (wait) {
        this.state.queues[shapeId] ??= []
        const queue = this.state.queues[shapeId]
        let i = queue.findIndex((w) => w.client.id === client.id)
        if (i < 0) i = queue.push({ client, since: now }) - 1
        position = i + 1
      }
      return { status: 'denied', holder: { ...current }, position }
    }
    const queue = this.state.queues[shapeId]
    if (queue?.length && queue[0]!.client.id !== client.id) {
      // Free, but others asked first: they get it in order (a grant is issued when they are served).
      const first = this.grantToWaiter(shapeId, now)
      if (first) return this.acquire(shapeId, client, now, wait)
    }
    this.removeWaiter(shapeId, client.id)
    return { status: 'granted', lease: this.grant(shapeId, client, now, now) }
  }

  /** Extends the holder's lease; `activity` also resets the idle timer (the user typed). */
  renew(shapeId: string, clientId: string, token: number, now: number, activity: boolean): RenewResult {
    this.expire(now)
    const current = this.state.leases[shapeId]
    if (!current || current.holder.id !== clientId || current.token !== token) {
      return { status: 'lost', current: current ? { ...current } : null }
    }
    current.expiresAt = now + this.config.ttlMs
    if (activity) current.activeAt = now
    return { status: 'renewed', lease: { ...current } }
  }

  /** Whether `token` is the current token of `clientId`'s lease on the shape (the fence). */
  isCurrent(shapeId: string, clientId: string, token: number, now: number): boolean {
    const l = this.get(shapeId, now)
    return !!l && l.holder.id === clientId && l.token === token
  }

  release(shapeId: string, clientId: string, now: number, cause: ReleaseCause = 'released'): boolean {
    this.expire(now)
    const current = this.state.leases[shapeId]
    this.removeWaiter(shapeId, clientId)
    if (!current || current.holder.id !== clientId) return false
    this.end(shapeId, cause, now)
    return true
  }

  /** Everything a client held or waited for ends (its last connection closed). */
  releaseClient(clientId: string, now: number): void {
    this.expire(now)
    for (const shapeId of Object.keys(this.state.queues)) this.removeWaiter(shapeId, clientId)
    for (const [shapeId, lease] of Object.entries(this.state.leases)) {
      if (lease.holder.id === clientId) this.end(shapeId, 'disconnected', now)
    }
  }

  /** How many leases a session holds or waits for (what `maxLeasesPerSession` caps). */
  load(clientId: string, now: number): number {
    this.expire(now)
    let n = 0
    for (const l of Object.values(this.state.leases)) if (l.holder.id === clientId) n++
    for (const q of Object.values(this.state.queues)) if (q.some((w) => w.client.id === clientId)) n++
    return n
  }

  /** Whether a session holds, or waits for, the lease on a shape. */
  involves(shapeId: string, clientId: string, now: number): boolean {
    this.expire(now)
    return (
      this.state.leases[shapeId]?.holder.id === clientId ||
      !!this.state.queues[shapeId]?.some((w) => w.client.id === clientId)
    )
  }

  cancelWait(shapeId: string, clientId: string): void {
    this.removeWaiter(shapeId, clientId)
  }

  /** Ends leases past their expiry or idle time and hands shapes to waiters. */
  expire(now: number): void {
    for (const [shapeId, lease] of Object.entries(this.state.leases)) {
      if (now >= lease.expiresAt) this.end(shapeId, 'expired', now)
      else if (now - lease.activeAt >= this.config.idleMs) this.end(shapeId, 'idle', now)
    }
  }

  /** Earliest clock time at which {@link expire} would change something, or null. */
  nextDeadline(): number | null {
    let next: number | null = null
    for (const l of Object.values(this.state.leases)) {
      const t = Math.min(l.expiresAt, l.activeAt + this.config.idleMs)
      if (next === null || t < next) next = t
    }
    return next
  }

  private grant(shapeId: string, client: LeaseClient, now: number, since: number): Lease {
    this.state.lastToken += 1
    const lease: Lease = {
      shapeId,
      holder: client,
      token: this.state.lastToken,
      expiresAt: now + this.config.ttlMs,
      activeAt: now,
    }
    this.state.leases[shapeId] = lease
    this.events.push({ type: 'granted', lease: { ...lease }, waitedMs: now - since })
    return { ...lease }
  }

  private end(shapeId: string, cause: ReleaseCause, now: number): void {
    const lease = this.state.leases[shapeId]
    if (!lease) return
    delete this.state.leases[shapeId]
    this.events.push({ type: 'ended', lease, cause })
    this.grantToWaiter(shapeId, now)
  }

  private grantToWaiter(shapeId: string, now: number): Lease | null {
    const queue = this.state.queues[shapeId]
    const next = queue?.shift()
    if (queue && queue.length === 0) delete this.state.queues[shapeId]
    if (!next) return null
    return this.grant(shapeId, next.client, now, next.since)
  }

  private removeWaiter(shapeId: string, clientId: string): void {
    const queue = this.state.queues[shapeId]
    if (!queue) return
    const i = queue.findIndex((w) => w.client.id === clientId)
    if (i >= 0) queue.splice(i, 1)
    if (queue.length === 0) delete this.state.queues[shapeId]
  }
}
