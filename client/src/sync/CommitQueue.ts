import type { CommitRequest, CommitResult } from '@easel/shared'
import { type BackoffOptions, backoffDelay } from './backoff.ts'
import type { KeyValueStorage } from './roomStorage.ts'

/** A commit waiting for its answer; `label` says what the user did, for notices after a reload. */
export type PendingCommit = {
  request: CommitRequest
  label: string
  queuedAt: number
  /** The resume secret of the session that made it (see the `as` of the commit message). */
  session?: string
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

/**
 * The client's outbox of versioned commits. Commits are kept (and persisted) until the server
 * answers; transport failures are retried with the same opId, so the server applies each at most
 * once; retries back off exponentially with full jitter. Conflicts are never retried here: the
 * caller decides what the user's intent still allows.
 */
export class CommitQueue {
  private readonly pending = new Map<string, PendingCommit>()
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
        for (const p of JSON.parse(stored) as PendingCommit[]) this.pending.set(p.request.opId, p)
      } catch {
        options.storage?.removeItem(options.storageKey)
      }
    }
  }

  get size(): number {
    return this.pending.size
  }

  list(): PendingCommit[] {
    return [...this.pending.values()]
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Queues a commit and resolves with the server's answer (however many retries it takes). */
  submit(request: CommitRequest, label: string): Promise<CommitResult> {
    const session = this.options.session?.() ?? undefined
    this.pending.set(request.opId, { request, label, queuedAt: Date.now(), ...(session ? { session } : {}) })
    this.persist()
    const answer = new Promise<CommitResult>((resolve) => this.waiters.set(request.opId, resolve))
    this.trySend(request.opId)
    return answer
  }

  /** The socket is (again) ready: send everything still unanswered, in the order it was made. */
  resume(): void {
    for (const opId of this.pending.keys()) {
      this.attempts.delete(opId)
      this.trySend(opId)
    }
  }

  /** The server answered. Unknown opIds (answered twice, or not ours) are ignored. */
  handleResult(opId: string, result: CommitResult): void {
    const p = this.pending.get(opId)
    if (!p) return
    if (result.status === 'error' && result.code === 'unavailable') {
      // Refused because the authority is unreachable: same opId, later.
      this.retryLater(opId)
      return
    }
    this.counters.answered++
    this.pending.delete(opId)
    this.attempts.delete(opId)
    const t = this.timers.get(opId)
    if (t !== undefined) this.clearTimer(t)
    this.timers.delete(opId)
    this.persist()
    const waiter = this.waiters.get(opId)
    this.waiters.delete(opId)
    if (waiter) waiter(result)
    else this.options.onOrphanResult?.(p, result)
  }

  private trySend(opId: string): void {
    const p = this.pending.get(opId)
    if (!p) return
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
    if (!this.pending.has(opId)) return
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
      if (this.pending.size === 0) s.removeItem(this.options.storageKey)
      else s.setItem(this.options.storageKey, JSON.stringify([...this.pending.values()]))
    }
    for (const l of this.listeners) l()
  }

  destroy(): void {
    for (const t of this.timers.values()) this.clearTimer(t)
    this.timers.clear()
  }
}
