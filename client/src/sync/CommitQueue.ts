import type { CommitOp, CommitRequest, CommitResult } from '@easel/shared'
import type { CommitPort } from '../editor/types.ts'
import { type BackoffOptions, backoffDelay } from './backoff.ts'
import type { KeyValueStorage } from './roomStorage.ts'

/** A commit waiting for its answer; `label` says what the user did, for notices after a reload. */
export type PendingCommit = {
  request: CommitRequest
  label: string
  queuedAt: number
  /** The resume secret of the session that made it (see the `as` of the commit message). */
  session?: string
  /**
   * Earlier commits of this queue, still unanswered, that write a field this one writes or expects:
   * it is sent once they are answered, with its versions moved past theirs (see {@link rebase}).
   */
  after?: string[]
}

export type CommitTransport = {
  /** Sends the request; false when the socket is not ready (the queue waits for `resume`). */
  send(request: CommitRequest, session: string | undefined): boolean
}

export type CommitQueueOptions = {
  storage?: KeyValueStorage | null
  storageKey: string
  /** Resend if no answer arrives within this time while connected. */
  answerTimeoutMs?: number
  backoff?: Partial<BackoffOptions>
  /** Answers to commits whose caller is gone (made before a reload). */
  onOrphanResult?: (pending: PendingCommit, result: CommitResult) => void
  /** The current session's resume secret, recorded with each commit when it is queued. */
  session?: () => string | null
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (t: unknown) => void
}

const fieldKey = (f: { shapeId: string; field: string }) => `${f.shapeId}\u0000${f.field}`

/**
 * Moves a commit made while `done` was in flight past it: where `done` (now applied) wrote a field
 * at the version this commit also started from, this commit starts from the version `done` made.
 * The user saw their own change in flight, so what they did next builds on it.
 */
function rebase(
  request: CommitRequest,
  done: readonly CommitOp[],
  versions: readonly number[],
): CommitRequest {
  const made = new Map(done.map((op, i) => [fieldKey(op), { from: op.baseVersion, to: versions[i]! }]))
  const moved = (f: { shapeId: string; field: string }, v: number) => {
    const m = made.get(fieldKey(f))
    return m && m.from === v ? m.to : v
  }
  return {
    ...request,
    ops: request.ops.map((op) => ({ ...op, baseVersion: moved(op, op.baseVersion) })),
    ...(request.expect
      ? { expect: request.expect.map((e) => ({ ...e, version: moved(e, e.version) })) }
      : {}),
  }
}

/**
 * The client's outbox of versioned commits. Commits are kept (and persisted) until the server
 * answers; transport failures are retried with the same opId, so the server applies each at most
 * once; retries back off exponentially with full jitter. Conflicts are never retried here: the
 * caller decides what the user's intent still allows.
 *
 * A commit touching a field that an earlier commit in flight writes (an undo right after a delete)
 * waits for that one's answer, then goes with the versions it made: sent at once, it would be
 * judged against the state before the user's own change and refused as a conflict with it.
 */
export class CommitQueue implements CommitPort {
  private readonly byOpId = new Map<string, PendingCommit>()
  private readonly waiters = new Map<string, (r: CommitResult) => void>()
  private readonly attempts = new Map<string, number>()
  private readonly timers = new Map<string, unknown>()
  private readonly listeners = new Set<() => void>()
  private readonly backoff: BackoffOptions
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (t: unknown) => void
  /** Retries scheduled and answers received, for tests and the benchmark. */
  readonly counters = { sent: 0, retries: 0, answered: 0 }

  constructor(
    private readonly transport: CommitTransport,
    private readonly options: CommitQueueOptions,
  ) {
    this.backoff = { baseMs: 250, capMs: 10_000, random: Math.random, ...options.backoff }
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>))
    const stored = options.storage?.getItem(options.storageKey)
    if (stored) {
      try {
        for (const p of JSON.parse(stored) as PendingCommit[]) this.byOpId.set(p.request.opId, p)
      } catch {
        options.storage?.removeItem(options.storageKey)
      }
      // Only what is still kept can be waited for.
      for (const p of this.byOpId.values()) {
        p.after = p.after?.filter((id) => this.byOpId.has(id))
        if (!p.after?.length) delete p.after
      }
    }
  }

  get size(): number {
    return this.byOpId.size
  }

  list(): PendingCommit[] {
    return [...this.byOpId.values()]
  }

  /** The ops of every commit not answered yet, in the order they were made (shown optimistically). */
  pending(): CommitOp[] {
    return this.list().flatMap((p) => p.request.ops)
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Queues a commit and resolves with the server's answer (however many retries it takes). */
  submit(request: CommitRequest, label: string): Promise<CommitResult> {
    const session = this.options.session?.() ?? undefined
    const touched = new Set([...request.ops, ...(request.expect ?? [])].map(fieldKey))
    const after = [...this.byOpId.values()]
      .filter((p) => p.request.ops.some((op) => touched.has(fieldKey(op))))
      .map((p) => p.request.opId)
    this.byOpId.set(request.opId, {
      request,
      label,
      queuedAt: Date.now(),
      ...(session ? { session } : {}),
      ...(after.length > 0 ? { after } : {}),
    })
    this.persist()
    const answer = new Promise<CommitResult>((resolve) => this.waiters.set(request.opId, resolve))
    this.trySend(request.opId)
    return answer
  }

  /** The socket is (again) ready: send everything still unanswered, in the order it was made. */
  resume(): void {
    for (const opId of this.byOpId.keys()) {
      this.attempts.delete(opId)
      this.trySend(opId)
    }
  }

  /** The server answered. Unknown opIds (answered twice, or not ours) are ignored. */
  handleResult(opId: string, result: CommitResult): void {
    const p = this.byOpId.get(opId)
    if (!p) return
    if (result.status === 'error' && result.code === 'unavailable') {
      // Refused because the authority is unreachable: same opId, later.
      this.retryLater(opId)
      return
    }
    this.counters.answered++
    this.byOpId.delete(opId)
    this.attempts.delete(opId)
    const t = this.timers.get(opId)
    if (t !== undefined) this.clearTimer(t)
    this.timers.delete(opId)
    const released = this.release(p, result)
    this.persist()
    for (const next of released) this.trySend(next)
    const waiter = this.waiters.get(opId)
    this.waiters.delete(opId)
    if (waiter) waiter(result)
    else this.options.onOrphanResult?.(p, result)
  }

  /** `answered` is done: commits waiting for it are rebased; returns those free to go now. */
  private release(answered: PendingCommit, result: CommitResult): string[] {
    const free: string[] = []
    const opId = answered.request.opId
    for (const p of this.byOpId.values()) {
      if (!p.after?.includes(opId)) continue
      if (result.status === 'ok') p.request = rebase(p.request, answered.request.ops, result.versions)
      p.after = p.after.filter((id) => this.byOpId.has(id))
      if (p.after.length === 0) {
        delete p.after
        free.push(p.request.opId)
      }
    }
    return free
  }

  private trySend(opId: string): void {
    const p = this.byOpId.get(opId)
    if (!p || p.after) return
    const t = this.timers.get(opId)
    if (t !== undefined) this.clearTimer(t)
    this.timers.delete(opId)
    if (!this.transport.send(p.request, p.session)) return // resumed on reconnect
    this.counters.sent++
    // No answer in time (a lost frame, a half-open socket): resend the same opId.
    this.timers.set(
      opId,
      this.setTimer(() => this.retryLater(opId), this.options.answerTimeoutMs ?? 8000),
    )
  }

  private retryLater(opId: string): void {
    if (!this.byOpId.has(opId)) return
    const attempt = this.attempts.get(opId) ?? 0
    this.attempts.set(opId, attempt + 1)
    this.counters.retries++
    const t = this.timers.get(opId)
    if (t !== undefined) this.clearTimer(t)
    this.timers.set(
      opId,
      this.setTimer(() => this.trySend(opId), backoffDelay(attempt, this.backoff)),
    )
  }

  private persist(): void {
    const s = this.options.storage
    if (s) {
      if (this.byOpId.size === 0) s.removeItem(this.options.storageKey)
      else s.setItem(this.options.storageKey, JSON.stringify([...this.byOpId.values()]))
    }
    for (const l of this.listeners) l()
  }

  destroy(): void {
    for (const t of this.timers.values()) this.clearTimer(t)
    this.timers.clear()
  }
}
