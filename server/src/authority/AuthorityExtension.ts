import {
  type Authority,
  AuthorityUnavailableError,
  type CommitRequest,
  type CommitResult,
  type LeaseClient,
  type LeaseConfig,
  type LeaseEvent,
  type LeaseInfo,
  type LockDeniedReason,
  type LeaseTable,
  type Lease,
  type ParsedClientMessage,
  type ServerMessage,
  shapesMap,
  versionedKey,
  versionedMap,
} from '@easel/shared'
import type { Logger } from 'pino'
import type { Connection } from '../Connection.ts'
import type { Extension, RoomContext } from '../Extension.ts'
import { type Meter, NOOP_METER } from '../observability/telemetry.ts'
import type { SessionKeys } from './identity.ts'

/** Running totals, exposed at /api/stats. */
export type AuthorityStats = {
  commits: Record<'ok' | 'conflict' | 'duplicate' | 'error', number>
  leases: { granted: number; denied: number; ended: Record<string, number> }
}

/**
 * Tier 2 and 3 on the room socket: versioned commits and leases. The authority decides and stores;
 * this extension serialises operations per room, projects committed values into the document's
 * server-only `versioned` map (so every client sees them live and on join), and tells holders and
 * waiters what happened to their leases.
 */
export class AuthorityExtension implements Extension {
  readonly name = 'authority'
  readonly stats: AuthorityStats = {
    commits: { ok: 0, conflict: 0, duplicate: 0, error: 0 },
    leases: { granted: 0, denied: 0, ended: {} },
  }
  /** Operations per room run one after another, in arrival order. */
  private readonly queues = new Map<string, Promise<unknown>>()
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>()
  private readonly pruneTimer: NodeJS.Timeout
  private readonly rooms = new Map<string, RoomContext>()
  /** When each live lease of a room was granted (clock time), for hold times. */
  private readonly grantedAt = new Map<string, Map<string, number>>()
  private readonly meter: Meter

  constructor(
    private readonly authority: Authority,
    private readonly lease: LeaseConfig,
    private readonly options: {
      /** Where commits and lease events are counted and timed. */
      meter?: Meter
      /** Where failed operations are logged (with the room). */
      log?: Logger
      /** Idempotency records are kept at least this long (default 24 h). */
      recordTtlMs?: number
      /** Checks the resume secret a replayed commit may carry (`as`); without it, none is honoured. */
      sessions?: SessionKeys
      /** Leases one session may hold or wait for at once (default 16). */
      maxLeasesPerSession?: number
      now?: () => number
    } = {},
  ) {
    this.meter = options.meter ?? NOOP_METER
    const ttl = options.recordTtlMs ?? 24 * 3600_000
    this.pruneTimer = setInterval(
      () => void authority.pruneRecords(Date.now() - ttl),
      Math.min(ttl, 3600_000),
    )
    this.pruneTimer.unref()
  }

  private now(): number {
    return this.options.now?.() ?? performance.now()
  }

  /**
   * Runs `op` after every earlier operation of the room. Resolves when it ran; errors are logged,
   * never thrown here.
   */
  private enqueue(room: RoomContext, op: () => Promise<void>): Promise<void> {
    const prev = this.queues.get(room.name) ?? Promise.resolve()
    const next = prev
      .then(op)
      .catch((err) => this.options.log?.error({ err, room: room.name }, 'authority op failed'))
    this.queues.set(room.name, next)
    void next.then(() => {
      if (this.queues.get(room.name) === next) this.queues.delete(room.name)
    })
    return next
  }

  async onLoadDocument(room: RoomContext): Promise<void> {
    this.rooms.set(room.name, room)
    // Rebuild the document's view of committed values from the authority (the source of truth):
    // covers a crash between storing a commit and storing its projection.
    const states = await this.authority.fieldStates(room.name)
    const view = versionedMap(room.doc)
    const stale = [...states].filter(
      ([key, s]) => ((view.get(key) as { version?: number })?.version ?? 0) < s.version,
    )
    if (stale.length > 0) {
      await room.transact((doc) => {
        for (const [key, s] of stale)
          versionedMap(doc).set(key, { version: s.version, value: s.value, by: s.by, at: s.at })
      })
    }
    await this.enqueue(room, () => this.leaseOp(room, () => null))
  }

  onDestroy(room: RoomContext): void {
    this.rooms.delete(room.name)
    const t = this.timers.get(room.name)
    if (t) clearTimeout(t.timer)
    this.timers.delete(room.name)
    this.grantedAt.delete(room.name)
    this.authority.forget?.(room.name)
  }

  onHello(room: RoomContext, conn: Connection): void {
    this.enqueue(room, async () => {
      const now = this.now()
      const { value } = await this.authority.withLeases(room.name, now, (t) => t.all(now))
      conn.sendEasel({ t: 'leases', leases: value.map((l) => leaseInfo(l, now, conn.sessionId)) })
    })
  }

  onDisconnect(room: RoomContext, conn: Connection): void {
    // Another socket of the same session (a reconnect that resumed it) keeps the leases.
    if ([...room.conns].some((c) => c.sessionId === conn.sessionId)) return
    this.enqueue(room, () => this.leaseOp(room, (t, now) => t.releaseClient(conn.sessionId, now)))
  }

  onMessage(room: RoomContext, conn: Connection, message: ParsedClientMessage): boolean {
    switch (message.t) {
      case 'commit': {
        const { t: _t, as, ...req } = message
        // A commit replayed by a new tab for the session that made it is judged as that session's
        // (its recorded answer, its lease), if the tab proves it with that session's secret.
        const session = as === undefined ? null : (this.options.sessions?.resume(room.name, as) ?? null)
        this.enqueue(room, () => this.commit(room, conn, req, session?.sessionId ?? conn.sessionId))
        return true
      }
      case 'lock.acquire':
        if (conn.readOnly) {
          refuse(conn, message.shapeId, 'view-only')
          return true
        }
        this.enqueue(room, () =>
          this.leaseOp(room, (t, now) => {
            const deny = (reason: LockDeniedReason) => {
              this.stats.leases.denied++
              this.meter.leaseDenied(reason)
              refuse(conn, message.shapeId, reason)
            }
            // Only what can be edited: a lease on anything else would only cost memory and
            // broadcasts (and could be asked for by the thousand).
            if (!shapeIsLive(room, message.shapeId)) {
              conn.trip('lease_unknown_shape', { shapeId: message.shapeId })
              deny('unknown_shape')
              return
            }
            const max = this.options.maxLeasesPerSession ?? 16
            if (!t.involves(message.shapeId, conn.sessionId, now) && t.load(conn.sessionId, now) >= max) {
              conn.trip('leases_per_session', { max })
              deny('limit')
              return
            }
            const r = t.acquire(message.shapeId, this.client(conn), now, message.wait)
            if (r.status === 'denied') {
              this.stats.leases.denied++
              this.meter.leaseDenied('held')
              conn.sendEasel({
                t: 'lock.denied',
                shapeId: message.shapeId,
                holderName: r.holder.holder.name,
                holderColor: r.holder.holder.color,
                position: r.position,
              })
            }
          }),
        )
        return true
      case 'lock.renew':
        this.enqueue(room, () =>
          this.leaseOp(room, (t, now) => {
            const r = t.renew(message.shapeId, conn.sessionId, message.token, now, message.activity)
            if (r.status === 'renewed') {
              conn.sendEasel({
                t: 'lock.renewed',
                shapeId: message.shapeId,
                token: r.lease.token,
                expiresIn: r.lease.expiresAt - now,
              })
              return
            }
            // A lease that ended during this very operation is reported, with its cause, below.
            const endedNow = t.events.some(
              (e) =>
                e.type === 'ended' && e.lease.shapeId === message.shapeId && e.lease.token === message.token,
            )
            if (!endedNow) {
              conn.sendEasel({
                t: 'lock.lost',
                shapeId: message.shapeId,
                token: message.token,
                reason: r.current ? 'superseded' : 'expired',
              })
            }
          }),
        )
        return true
      case 'lock.release':
        this.enqueue(room, () =>
          this.leaseOp(room, (t, now) => {
            const l = t.get(message.shapeId, now)
            if (l && l.holder.id === conn.sessionId && l.token === message.token)
              t.release(message.shapeId, conn.sessionId, now)
          }),
        )
        return true
      case 'lock.cancelWait':
        this.enqueue(room, () => this.leaseOp(room, (t) => t.cancelWait(message.shapeId, conn.sessionId)))
        return true
      default:
        return false
    }
  }

  private client(conn: Connection): LeaseClient {
    return { id: conn.sessionId, name: conn.name, color: conn.color }
  }

  private async commit(
    room: RoomContext,
    conn: Connection,
    req: CommitRequest,
    sessionId: string,
  ): Promise<void> {
    const started = performance.now()
    const reply = (result: CommitResult, outcome: keyof AuthorityStats['commits']) => {
      this.stats.commits[outcome]++
      const lost =
        outcome === 'conflict' && result.status === 'conflict'
          ? { room: room.name, shape: result.shapeId, field: result.field }
          : null
      this.meter.commit(outcome === 'error' ? 'refused' : outcome, performance.now() - started, lost)
      conn.sendEasel({ t: 'commitResult', opId: req.opId, result })
    }
    if (conn.readOnly) {
      reply({ status: 'error', code: 'forbidden', message: 'this link is view-only' }, 'error')
      return
    }
    const shapes = shapesMap(room.doc)
    let decision: Awaited<ReturnType<Authority['commit']>>
    try {
      decision = await this.authority.commit(room.name, req, {
        sessionId,
        by: conn.name,
        shapeExists: (id) => shapes.has(id),
        now: this.now(),
        at: Date.now(),
        // Checked before anything is stored: `maxDocBytes` otherwise guards only Yjs updates.
        maxAddedBytes: Math.max(0, room.maxDocBytes - room.docBytes),
      })
    } catch (err) {
      if (!(err instanceof AuthorityUnavailableError)) throw err
      reply(
        { status: 'error', code: 'unavailable', message: 'the lock authority is unreachable; try again' },
        'error',
      )
      return
    }
    if (decision.result.status === 'error' && decision.result.code === 'too_large') {
      conn.trip('doc_size', { docBytes: room.docBytes, max: room.maxDocBytes, commit: req.opId })
    }
    const apply = decision.apply
    if (apply) {
      const at = Date.now()
      await room.transact((doc) => {
        const view = versionedMap(doc)
        for (const a of apply) {
          view.set(versionedKey(a.shapeId, a.field), {
            version: a.version,
            value: a.value,
            by: conn.name,
            at,
          })
        }
      })
    }
    const r = decision.result
    reply(
      r,
      decision.replayed
        ? 'duplicate'
        : r.status === 'ok'
          ? 'ok'
          : r.status === 'conflict'
            ? 'conflict'
            : 'error',
    )
  }

  /**
   * Applies a lease operation, then tells holders of their grants and losses, and everyone which
   * leases changed (each recipient with its own `mine`).
   */
  private async leaseOp(room: RoomContext, fn: (t: LeaseTable, now: number) => unknown): Promise<void> {
    const now = this.now()
    let res: { value: { all: Lease[]; deadline: number | null }; events: LeaseEvent[] }
    try {
      res = await this.authority.withLeases(room.name, now, (t) => {
        fn(t, now)
        return { all: t.all(now), deadline: t.nextDeadline() }
      })
    } catch (err) {
      if (!(err instanceof AuthorityUnavailableError)) throw err
      return
    }
    const send = (sessionId: string, m: ServerMessage) => {
      for (const c of room.conns) if (c.sessionId === sessionId) c.sendEasel(m)
    }
    let granted = this.grantedAt.get(room.name)
    if (!granted) {
      granted = new Map()
      if (this.rooms.has(room.name)) this.grantedAt.set(room.name, granted)
    }
    for (const e of res.events) {
      if (e.type === 'granted') {
        this.stats.leases.granted++
        granted.set(e.lease.shapeId, now)
        this.meter.leaseGranted(room.name, e.lease.shapeId, e.waitedMs)
        send(e.lease.holder.id, {
          t: 'lock.granted',
          shapeId: e.lease.shapeId,
          token: e.lease.token,
          expiresIn: e.lease.expiresAt - now,
        })
      } else {
        this.stats.leases.ended[e.cause] = (this.stats.leases.ended[e.cause] ?? 0) + 1
        const at = granted.get(e.lease.shapeId)
        granted.delete(e.lease.shapeId)
        this.meter.leaseEnded(e.cause, at === undefined ? null : now - at)
        if (e.cause !== 'released') {
          send(e.lease.holder.id, {
            t: 'lock.lost',
            shapeId: e.lease.shapeId,
            token: e.lease.token,
            reason: e.cause,
          })
        }
      }
    }
    if (res.events.length > 0) {
      const changed = new Set(res.events.map((e) => e.lease.shapeId))
      const live = new Map(res.value.all.map((l) => [l.shapeId, l]))
      const set = [...changed].flatMap((id) => live.get(id) ?? [])
      const removed = [...changed].filter((id) => !live.has(id))
      for (const c of room.conns) {
        c.sendEasel({ t: 'leases.changed', set: set.map((l) => leaseInfo(l, now, c.sessionId)), removed })
      }
    }
    this.schedule(room, res.value.deadline)
  }

  /** Wakes the room when its next lease is due to expire (or go idle). */
  private schedule(room: RoomContext, at: number | null): void {
    const existing = this.timers.get(room.name)
    if (existing && existing.at === at) return
    if (existing) clearTimeout(existing.timer)
    this.timers.delete(room.name)
    if (at === null || !this.rooms.has(room.name)) return
    const timer = setTimeout(
      () => {
        this.timers.delete(room.name)
        this.enqueue(room, () => this.leaseOp(room, () => null))
      },
      Math.max(0, at - this.now()) + 5,
    )
    timer.unref()
    this.timers.set(room.name, { at, timer })
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer)
    for (const t of this.timers.values()) clearTimeout(t.timer)
    this.timers.clear()
    await Promise.allSettled([...this.queues.values()])
    await this.authority.close()
  }
}

/** A lease as `recipient` sees it: no token (that is the holder's), and whether it is its own. */
function leaseInfo(
  l: { shapeId: string; holder: LeaseClient; expiresAt: number },
  now: number,
  recipient: string,
): LeaseInfo {
  return {
    shapeId: l.shapeId,
    holderId: l.holder.id,
    holderName: l.holder.name,
    holderColor: l.holder.color,
    mine: l.holder.id === recipient,
    expiresIn: Math.max(0, l.expiresAt - now),
  }
}

/** A lock request refused outright (nobody to wait for). */
function refuse(conn: Connection, shapeId: string, reason: LockDeniedReason): void {
  conn.sendEasel({ t: 'lock.denied', shapeId, holderName: '', holderColor: '', position: null, reason })
}

/** Whether a shape exists in the room and is not deleted: only those can be edited under a lease. */
function shapeIsLive(room: RoomContext, shapeId: string): boolean {
  if (!shapesMap(room.doc).has(shapeId)) return false
  const deleted = versionedMap(room.doc).get(versionedKey(shapeId, 'deleted'))
  return !(isRecord(deleted) && deleted.value === true)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}
