/**
 * Tier 2: optimistic, versioned commits. The server decides each commit with {@link decideCommit},
 * a pure function of the request and the current state, so the rules are testable as a table and
 * identical for every storage backend (SQLite, Redis).
 */
import { z } from 'zod'
import { SHAPE_ID_PATTERN, tierOf, type VersionedField, versionedField, versionedValue } from './schema.ts'

const shapeId = z.string().regex(SHAPE_ID_PATTERN, 'invalid shape id')

/** One change inside a commit: set `field` of `shapeId` to `value` if it is still at `baseVersion`. */
export const commitOp = z.object({
  shapeId,
  field: versionedField,
  /** The version the client last saw (0 = never committed). */
  baseVersion: z.number().int().min(0),
  value: z.unknown(),
})
export type CommitOp = z.infer<typeof commitOp>

/** A precondition without a write: the commit only applies if this field is still at `version`. */
export const commitExpect = z.object({ shapeId, field: versionedField, version: z.number().int().min(0) })
export type CommitExpect = z.infer<typeof commitExpect>

/** Largest number of ops in one commit (a multi-shape delete or a group of many shapes). */
export const MAX_COMMIT_OPS = 500

/** A commit: all ops apply atomically or none does. `opId` makes retries idempotent. */
export const commitRequest = z.object({
  /** Idempotency key chosen by the client (a UUID); retries reuse it. */
  opId: z.string().min(8).max(64),
  ops: z.array(commitOp).min(1).max(MAX_COMMIT_OPS),
  /** Versions of other fields the user saw when deciding (e.g. the text before a delete). */
  expect: z
    .array(commitExpect)
    .max(MAX_COMMIT_OPS * 4)
    .optional(),
  /** Fencing token of the lease on the shape, required for leased fields (text). */
  token: z.number().int().min(0).optional(),
})
export type CommitRequest = z.infer<typeof commitRequest>

/** Why a commit was refused without a conflict. */
export type CommitErrorCode =
  /** The shape does not exist in the room. */
  | 'unknown_shape'
  /** The value does not fit the field's schema. */
  | 'invalid_value'
  /** The same opId was used before with a different payload; nothing changed. */
  | 'opid_reused'
  /** Grouping would make a shape its own ancestor. */
  | 'cycle'
  /** Someone else holds the shape's lease. */
  | 'locked'
  /** A leased field was committed without the current lease token. */
  | 'stale_token'
  /** The connection may not write (view-only link). */
  | 'forbidden'
  /** The authority (e.g. Redis) cannot be reached: refused, safe to retry later. */
  | 'unavailable'
  /** The commit is malformed in a way the schema cannot express (e.g. the same field twice). */
  | 'bad_request'
  /** The board is full: the new values would take its document past the server's size limit. */
  | 'too_large'

export type CommitResult =
  /** Applied; `versions[i]` is the new version of `ops[i]`. */
  | { status: 'ok'; versions: number[] }
  /** A base version did not match: here is the current state of that field and who set it. */
  | {
      status: 'conflict'
      shapeId: string
      field: VersionedField
      version: number
      value: unknown
      by: string
      at: number
    }
  | { status: 'error'; code: CommitErrorCode; message: string; shapeId?: string; holder?: string }

/** Errors that depend on passing conditions and must not be remembered for the opId. */
export const TRANSIENT_ERRORS: ReadonlySet<CommitErrorCode> = new Set([
  'unavailable',
  'forbidden',
  'too_large',
])

/** Current state of one versioned field as the authority stores it. */
export type FieldState = { version: number; value: unknown; by: string; at: number }

/** A lease on a shape, as far as commits are concerned. */
export type LeaseView = { holderId: string; holderName: string; token: number }

/** Everything {@link decideCommit} needs to know about the room. */
export type CommitContext = {
  /** The answer recorded for this opId, with the hash of the payload it was given for. */
  record: { hash: string; result: CommitResult } | null
  field(shapeId: string, field: VersionedField): FieldState | null
  shapeExists(shapeId: string): boolean
  /** Current lease on a shape, if any. */
  lease(shapeId: string): LeaseView | null
  /** Who is committing (stable per browser session), for lease checks. */
  clientId: string
  /**
   * How much the new values may add to the room's document, in bytes of their JSON (the room's
   * size cap minus its size); absent, there is no cap.
   */
  maxAddedBytes?: number
}

export type CommitDecision = {
  result: CommitResult
  /** The new field values to store (as their schema parsed them), or null when nothing changes. */
  apply: { shapeId: string; field: VersionedField; version: number; value: unknown }[] | null
  /** True when the answer is the one recorded for an earlier request with this opId. */
  replayed?: boolean
}

/** Stable hash input of a commit's payload: two requests with the same opId must match it. */
export function commitPayloadKey(req: CommitRequest): string {
  return JSON.stringify([req.ops, req.expect ?? [], req.token ?? null])
}

/**
 * Decides a commit. Order matters and is part of the contract:
 * 1. a known opId returns its recorded answer (or `opid_reused` if the payload differs);
 * 2. validation errors (unknown shape, invalid value, cycle);
 * 3. lease checks (someone else holds the shape; a leased field needs the current token, but for
 *    its first value on an unheld shape);
 * 4. version checks: the first mismatching op or expectation is reported as a conflict;
 * 5. size: new values that would pass `maxAddedBytes` are refused (`too_large`);
 * 6. otherwise every op applies with version + 1, its value as the field's schema parsed it (so
 *    keys the schema does not know are never stored).
 */
export function decideCommit(req: CommitRequest, ctx: CommitContext): CommitDecision {
  const key = commitPayloadKey(req)
  if (ctx.record) {
    if (ctx.record.hash === key) return { result: ctx.record.result, apply: null, replayed: true }
    return {
      result: {
        status: 'error',
        code: 'opid_reused',
        message: `opId ${req.opId} was already used for another commit`,
      },
      apply: null,
    }
  }
  const error = (
    code: CommitErrorCode,
    message: string,
    extra: { shapeId?: string; holder?: string } = {},
  ) => ({
    result: { status: 'error' as const, code, message, ...extra },
    apply: null,
  })

  const seen = new Set<string>()
  const values: unknown[] = []
  const parentChanges = new Map<string, string | null>()
  for (const op of req.ops) {
    const k = `${op.shapeId}:${op.field}`
    if (seen.has(k)) return error('bad_request', `${k} appears twice in one commit`)
    seen.add(k)
    if (!ctx.shapeExists(op.shapeId)) return error('unknown_shape', `shape ${op.shapeId} does not exist`, op)
    const parsed = versionedValue(op.field).safeParse(op.value)
    if (!parsed.success) return error('invalid_value', `invalid value for ${op.field}`, op)
    values.push(parsed.data)
    if (op.field === 'parent') parentChanges.set(op.shapeId, parsed.data as string | null)
    if (op.field === 'binding') {
      const b = parsed.data as { start: string | null; end: string | null }
      for (const end of [b.start, b.end]) {
        if (end !== null && (end === op.shapeId || !ctx.shapeExists(end))) {
          return error('invalid_value', `arrow ${op.shapeId} cannot bind to ${end}`, op)
        }
      }
    }
  }
  for (const e of req.expect ?? []) {
    if (!ctx.shapeExists(e.shapeId)) return error('unknown_shape', `shape ${e.shapeId} does not exist`, e)
  }
  if (parentChanges.size > 0) {
    const parentOf = (id: string): string | null =>
      parentChanges.has(id)
        ? parentChanges.get(id)!
        : ((ctx.field(id, 'parent')?.value as string | null) ?? null)
    for (const start of parentChanges.keys()) {
      const visited = new Set<string>([start])
      for (let p = parentOf(start); p !== null; p = parentOf(p)) {
        if (visited.has(p))
          return error('cycle', `grouping ${start} under ${parentChanges.get(start)} makes a cycle`)
        visited.add(p)
      }
    }
  }

  for (const op of req.ops) {
    const lease = ctx.lease(op.shapeId)
    if (lease && lease.holderId !== ctx.clientId) {
      return error('locked', `${lease.holderName} is editing this shape`, {
        shapeId: op.shapeId,
        holder: lease.holderName,
      })
    }
    // A leased field needs the holder's current token, except for its very first value on a
    // shape nobody holds (text of a pasted or imported note): version 0 still guards that write.
    if (tierOf(op.field) === 'leased' && (lease ? req.token !== lease.token : op.baseVersion !== 0)) {
      return error('stale_token', `editing ${op.field} needs the current lease on the shape`, {
        shapeId: op.shapeId,
      })
    }
  }

  const checks: { shapeId: string; field: VersionedField; version: number }[] = [
    ...req.ops.map((o) => ({ shapeId: o.shapeId, field: o.field, version: o.baseVersion })),
    ...(req.expect ?? []),
  ]
  for (const c of checks) {
    const current = ctx.field(c.shapeId, c.field)
    const version = current?.version ?? 0
    if (version !== c.version) {
      return {
        result: {
          status: 'conflict',
          shapeId: c.shapeId,
          field: c.field,
          version,
          value: current?.value ?? null,
          by: current?.by ?? '',
          at: current?.at ?? 0,
        },
        apply: null,
      }
    }
  }

  const apply = req.ops.map((op, i) => ({
    shapeId: op.shapeId,
    field: op.field,
    version: (ctx.field(op.shapeId, op.field)?.version ?? 0) + 1,
    value: values[i],
  }))
  if (ctx.maxAddedBytes !== undefined) {
    let bytes = 0
    for (const a of apply) bytes += JSON.stringify(a.value)?.length ?? 0
    if (bytes > ctx.maxAddedBytes)
      return error('too_large', 'the board is full: this change would pass its size limit')
  }
  return { result: { status: 'ok', versions: apply.map((a) => a.version) }, apply }
}
