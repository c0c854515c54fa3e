import { type CommitResult, readShapes, type Shape, versionedKey, versionedMap } from '@easel/shared'
import * as Y from 'yjs'
import type { Observer } from './observer.ts'
import { committedText, type SimUser } from './simUser.ts'

/** One broken guarantee. `kind` groups them (shrinking keeps a trace failing the same way). */
export type Violation = {
  kind:
    | 'settle'
    | 'converge'
    | 'durable'
    | 'reported'
    | 'fencing'
    | 'versions'
    | 'closed'
    | 'crash'
    | 'harness'
  detail: string
}

/** What the server had acknowledged or broadcast just before it was stopped. */
export type Snapshot = {
  /** The observer's state vector: every update in it was broadcast, hence stored. */
  broadcast: Map<number, number>
  /** Versions acknowledged to some user with an `ok`: `${shapeId}:${field}` -> version. */
  acked: Map<string, number>
}

export function snapshot(observer: Observer, users: SimUser[]): Snapshot {
  const acked = new Map<string, number>()
  for (const u of users) {
    for (const rec of u.commits.values()) {
      if (rec.result?.status !== 'ok') continue
      rec.request.ops.forEach((op, i) => {
        const key = versionedKey(op.shapeId, op.field)
        const v = (rec.result as Extract<CommitResult, { status: 'ok' }>).versions[i]!
        acked.set(key, Math.max(acked.get(key) ?? 0, v))
      })
    }
  }
  return { broadcast: observer.stateVector(), acked }
}

/** Every broadcast update and every acknowledged commit is in storage after a `kill -9`. */
export function durableSince(before: Snapshot, stored: Y.Doc, how: string): Violation[] {
  const out: Violation[] = []
  const sv = Y.decodeStateVector(Y.encodeStateVector(stored))
  for (const [client, clock] of before.broadcast) {
    const have = sv.get(client) ?? 0
    if (have < clock) {
      out.push({
        kind: 'durable',
        detail: `after ${how}: client ${client} broadcast up to ${clock}, stored ${have}`,
      })
    }
  }
  const versioned = versionedMap(stored)
  for (const [key, version] of before.acked) {
    const have = (versioned.get(key) as { version?: number } | undefined)?.version ?? 0
    if (have < version) {
      out.push({
        kind: 'durable',
        detail: `after ${how}: ${key} acknowledged at v${version}, stored v${have}`,
      })
    }
  }
  return out
}

/**
 * A checkpoint: waits until every user settled (connected, synced, nothing queued, not editing, no
 * lease), then checks that they converged to the server's document, that every local edit reached
 * the server or was reported to its user, and that accepted text commits respect fencing.
 */
export async function checkSettled(
  users: SimUser[],
  observer: Observer,
  timeoutMs: number,
  room: string,
): Promise<Violation[]> {
  const deadline = Date.now() + timeoutMs
  let reasons: string[] = []
  for (;;) {
    reasons = []
    if (!observer.settled()) reasons.push('observer not synced')
    for (const u of users) {
      const r = u.settledReason()
      if (r) reasons.push(`${u.name}: ${r}`)
    }
    if (reasons.length === 0) {
      const target = observer.contentJson()
      for (const u of users)
        if (u.contentJson() !== target) reasons.push(`${u.name}: content differs from the server`)
      for (const u of users) {
        const diff = svDiff(u.stateVector(), observer.stateVector())
        if (diff) reasons.push(`${u.name}: ${diff}`)
      }
    }
    if (reasons.length === 0 || Date.now() > deadline) break
    await new Promise((r) => setTimeout(r, 100))
  }
  if (reasons.length > 0) {
    const kind = reasons.every((r) => /content differs|state vector/.test(r)) ? 'converge' : 'settle'
    return [{ kind, detail: `after ${timeoutMs} ms: ${reasons.join('; ')}` }]
  }
  return [...editsAccountedFor(users, observer, room), ...fencing(users)]
}

function svDiff(a: Map<number, number>, b: Map<number, number>): string | null {
  for (const [client, clock] of a) {
    if ((b.get(client) ?? 0) < clock)
      return `state vector: has ${client}:${clock}, server ${b.get(client) ?? 0}`
  }
  for (const [client, clock] of b) {
    if ((a.get(client) ?? 0) < clock) return `state vector: lacks ${client}:${clock} the server has`
  }
  return null
}

/**
 * Every local edit either reached the server or was reported. Tier-1 edits are covered by the
 * state vectors (each user's updates are all on the server). Here: the last text each user typed
 * into a shape is on the server, was acknowledged, was shown back to them (a notice with the
 * draft), or is kept in their draft store to be offered; and every refused commit was either told
 * to the user, is moot (the server holds the value they wanted), or was followed by their retry.
 */
function editsAccountedFor(users: SimUser[], observer: Observer, room: string): Violation[] {
  const out: Violation[] = []
  const serverShapes = new Map(readShapes(observer.doc).shapes.map((s) => [s.id, s]))
  for (const u of users) {
    const stored = storedDrafts(u, room)
    for (const [shapeId, last] of u.typed) {
      const onServer = committedText(observer.doc, shapeId) === last
      const acked = [...u.commits.values()].some(
        (r) =>
          r.result?.status === 'ok' &&
          r.request.ops.some((op) => op.shapeId === shapeId && op.value === last),
      )
      const told = u.notices.some((n) => n.draft === last)
      const kept = stored[shapeId]?.draft === last
      if (!onServer && !acked && !told && !kept) {
        out.push({
          kind: 'reported',
          detail: `${u.name} typed "${last}" into ${shapeId}; the server has "${committedText(observer.doc, shapeId)}" and the user was not told`,
        })
      }
    }
    u.typed.clear()
    const records = [...u.commits.values()].sort((a, b) => a.at - b.at)
    for (const [i, rec] of records.entries()) {
      const r = rec.result
      if (r === null) {
        out.push({
          kind: 'reported',
          detail: `${u.name}: commit "${rec.label}" ${rec.request.opId} never answered`,
        })
        continue
      }
      if (r.status === 'ok') continue
      const ids = new Set(rec.request.ops.map((op) => op.shapeId))
      const told = u.notices.some((n) => n.shapeId !== null && ids.has(n.shapeId) && n.at >= rec.at)
      // Moot: when the server decided, it already held what the user wanted (someone else did the
      // same), or it holds it now.
      const wanted =
        r.status === 'conflict' &&
        rec.request.ops.find((op) => op.shapeId === r.shapeId && op.field === r.field)
      const moot =
        (wanted && sameValue(r.value, wanted.value)) ||
        rec.request.ops.every((op) => sameValue(fieldValue(serverShapes.get(op.shapeId), op.field), op.value))
      const retried = records
        .slice(i + 1)
        .some((later) =>
          later.request.ops.some((op) =>
            rec.request.ops.some((o) => o.shapeId === op.shapeId && o.field === op.field),
          ),
        )
      if (!told && !moot && !retried) {
        out.push({
          kind: 'reported',
          detail: `${u.name}: commit "${rec.label}" was refused (${r.status}${r.status === 'error' ? ` ${r.code}` : ''}) and the user was not told`,
        })
      }
    }
  }
  return out
}

/** Fencing: per shape, text accepted later never carries an older token; tokens are never shared. */
function fencing(users: SimUser[]): Violation[] {
  const out: Violation[] = []
  const owner = new Map<number, string>()
  for (const u of users) {
    for (const g of u.grants) {
      const prev = owner.get(g.token)
      if (prev && prev !== `${u.name}:${g.shapeId}`) {
        out.push({
          kind: 'fencing',
          detail: `token ${g.token} granted to ${prev} and ${u.name}:${g.shapeId}`,
        })
      }
      owner.set(g.token, `${u.name}:${g.shapeId}`)
    }
  }
  const accepted = new Map<string, { version: number; token: number; who: string }[]>()
  for (const u of users) {
    for (const rec of u.commits.values()) {
      if (rec.result?.status !== 'ok') continue
      const versions = rec.result.versions
      rec.request.ops.forEach((op, i) => {
        if (op.field !== 'text') return
        const list = accepted.get(op.shapeId) ?? []
        list.push({ version: versions[i]!, token: rec.request.token ?? 0, who: u.name })
        accepted.set(op.shapeId, list)
      })
    }
  }
  for (const [shapeId, list] of accepted) {
    list.sort((a, b) => a.version - b.version)
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.token < list[i - 1]!.token) {
        out.push({
          kind: 'fencing',
          detail: `${shapeId}: v${list[i]!.version} by ${list[i]!.who} with token ${list[i]!.token} after token ${list[i - 1]!.token}`,
        })
      }
    }
  }
  return out
}

function storedDrafts(u: SimUser, room: string): Record<string, { draft?: string }> {
  try {
    return JSON.parse(u.storage.getItem(`easel:drafts:${room}`) ?? '{}')
  } catch {
    return {}
  }
}

function fieldValue(shape: Shape | undefined, field: string): unknown {
  return shape ? (shape as unknown as Record<string, unknown>)[field] : undefined
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
