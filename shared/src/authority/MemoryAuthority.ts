import {
  type CommitDecision,
  type CommitRequest,
  type CommitResult,
  commitPayloadKey,
  decideCommit,
  type FieldState,
} from '../commit.ts'
import { emptyLeaseState, type LeaseConfig, type LeaseEvent, type LeaseState, LeaseTable } from '../lease.ts'
import { versionedKey } from '../schema.ts'
import { type Authority, type CommitEnv, recordsAnswer } from './Authority.ts'

/** Everything a {@link MemoryAuthority} stores for one room. */
export type MemoryAuthorityRoom = {
  fields: Map<string, FieldState>
  /** Idempotency records by {@link recordKey} (session and opId). */
  records: Map<string, { hash: string; result: CommitResult; at: number }>
  leases: LeaseState
}

/**
 * The authority in memory, for tests and single-process use without a database. Every operation
 * decides and stores before its first `await`, so operations apply in call order. Two instances
 * over the same `rooms` map behave like one backend reopened after a restart.
 */
export class MemoryAuthority implements Authority {
  constructor(
    private readonly leaseConfig: LeaseConfig,
    readonly rooms: Map<string, MemoryAuthorityRoom> = new Map(),
  ) {}

  private room(name: string): MemoryAuthorityRoom {
    let r = this.rooms.get(name)
    if (!r) {
      r = { fields: new Map(), records: new Map(), leases: emptyLeaseState() }
      this.rooms.set(name, r)
    }
    return r
  }

  /** The room's stored leases, for reading (changes made to it are not stored; use withLeases). */
  leaseTable(room: string): LeaseTable {
    return new LeaseTable(structuredClone(this.room(room).leases), this.leaseConfig)
  }

  async commit(room: string, req: CommitRequest, env: CommitEnv): Promise<CommitDecision> {
    const r = this.room(room)
    const leases = this.leaseTable(room)
    const key = recordKey(env.sessionId, req.opId)
    const rec = r.records.get(key) ?? null
    const decision = decideCommit(req, {
      record: rec,
      field: (shapeId, field) => r.fields.get(versionedKey(shapeId, field)) ?? null,
      shapeExists: env.shapeExists,
      lease: (shapeId) => leases.view(shapeId, env.now),
      clientId: env.sessionId,
      maxAddedBytes: env.maxAddedBytes,
    })
    for (const a of decision.apply ?? []) {
      const field = versionedKey(a.shapeId, a.field)
      if ((r.fields.get(field)?.version ?? 0) !== a.version - 1) throw new Error(`version race on ${field}`)
      r.fields.set(field, { version: a.version, value: a.value, by: env.by, at: env.at })
    }
    if (recordsAnswer(req, rec?.hash ?? null, decision)) {
      r.records.set(key, { hash: commitPayloadKey(req), result: decision.result, at: env.at })
    }
    return decision
  }

  async fieldStates(room: string): Promise<Map<string, FieldState>> {
    return new Map(this.rooms.get(room)?.fields)
  }

  async withLeases<T>(
    room: string,
    now: number,
    fn: (table: LeaseTable) => T,
  ): Promise<{ value: T; events: LeaseEvent[] }> {
    const table = this.leaseTable(room)
    const value = fn(table)
    table.expire(now)
    this.room(room).leases = table.state
    return { value, events: table.events }
  }

  async pruneRecords(before: number): Promise<number> {
    let n = 0
    for (const r of this.rooms.values()) {
      for (const [key, rec] of r.records) {
        if (rec.at < before) {
          r.records.delete(key)
          n++
        }
      }
    }
    return n
  }

  async close(): Promise<void> {}
}

/** Records are per session: the same opId from two sessions is two requests. */
function recordKey(sessionId: string, opId: string): string {
  return `${sessionId}\n${opId}`
}
