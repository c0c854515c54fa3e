import { type LeaseInfo, newOpId } from '@easel/shared'
import type { LeaseClientEvent, LeasePort } from '../sync/LeaseClient.ts'
import { describe, type Editor } from './Editor.ts'

/** The in-place editor of the shape this user holds the lease on. */
export type EditingState = {
  shapeId: string
  token: number
  /** What the user has typed (what the text editor shows). */
  draft: string
  /** Last text the server accepted, and its version (the base of the next commit). */
  saved: string
  baseVersion: number
  /** 'lost': the lease ended under us; the draft is kept but nothing more is sent. */
  status: 'editing' | 'lost'
  /**
   * The socket dropped (the server has released the lease). Typing goes on locally; on reconnect
   * the draft is committed with the old token, which the server refuses unless nothing changed.
   */
  offline: boolean
}

/** A lease request in progress, for the "asking / waiting for Bo" prompt. */
export type LockRequest =
  | { shapeId: string; status: 'asking' }
  | { shapeId: string; status: 'held'; holderName: string; holderColor: string }
  | { shapeId: string; status: 'waiting'; holderName: string; position: number }

const LOST_REASONS: Record<string, string> = {
  expired: 'it expired',
  idle: 'no typing for a while',
  superseded: 'someone else took it over',
  disconnected: 'you were offline',
}

/** How long typing pauses before the text is committed (a few commits per second at most). */
export const TEXT_COMMIT_DEBOUNCE_MS = 250

/**
 * Tier 3 in the editor: entering edit mode takes the shape's lease, typing commits the text with
 * the lease's fencing token (debounced), leaving edit mode flushes and releases. Losing the lease
 * keeps the user's draft and says so; nothing is ever written with a stale token.
 */
export class TextEditing {
  editing: EditingState | null = null
  request: LockRequest | null = null
  private commitTimer: ReturnType<typeof setTimeout> | null = null
  private inFlight: Promise<void> | null = null
  /** Text to put back after re-acquiring a lost lease ("re-apply"). */
  private reapply: { shapeId: string; draft: string } | null = null
  private readonly off: (() => void)[] = []

  constructor(
    private readonly editor: Editor,
    private readonly leases: LeasePort,
    private readonly debounceMs = TEXT_COMMIT_DEBOUNCE_MS,
  ) {
    this.off.push(
      leases.onEvent(this.onLeaseEvent),
      leases.subscribe(() => editor.notifyChange()),
    )
    editor.onTextShapeCreated = (id) => this.start(id)
  }

  /** Leases of other users, for badges and outlines. */
  othersLeases(): LeaseInfo[] {
    return this.leases.leases().filter((l) => l.holderId !== this.leases.clientId)
  }

  leaseOn(shapeId: string): LeaseInfo | undefined {
    return this.leases.leases().find((l) => l.shapeId === shapeId)
  }

  /** Double-click / Enter on a text or sticky shape: ask for its lease. */
  start(shapeId: string): void {
    const shape = this.editor.getShape(shapeId)
    if (!shape || (shape.kind !== 'text' && shape.kind !== 'sticky')) return
    if (this.editing?.shapeId === shapeId && this.editing.status === 'editing') return
    if (this.editing) this.stop()
    this.request = { shapeId, status: 'asking' }
    this.leases.acquire(shapeId, false)
    this.editor.notifyChange()
  }

  /** Queue for the lease held by someone else; it is granted automatically when it frees. */
  wait(): void {
    if (this.request?.status !== 'held') return
    this.leases.acquire(this.request.shapeId, true)
  }

  cancelRequest(): void {
    if (this.request?.status === 'waiting') this.leases.cancelWait(this.request.shapeId)
    this.request = null
    this.editor.notifyChange()
  }

  private readonly onLeaseEvent = (e: LeaseClientEvent) => {
    switch (e.type) {
      case 'granted': {
        if (this.request?.shapeId !== e.shapeId && this.reapply?.shapeId !== e.shapeId) {
          // A grant nobody is waiting for any more (the user cancelled): give it back.
          this.leases.release(e.shapeId)
          return
        }
        const shape = this.editor.readCommitted(e.shapeId)
        if (!shape || shape.deleted) {
          this.leases.release(e.shapeId)
          this.request = null
          this.editor.notifyChange()
          return
        }
        this.request = null
        this.editing = {
          shapeId: e.shapeId,
          token: e.token,
          draft: shape.text,
          saved: shape.text,
          baseVersion: shape.versions.text,
          status: 'editing',
          offline: false,
        }
        if (this.reapply?.shapeId === e.shapeId) {
          this.editing.draft = this.reapply.draft
          this.reapply = null
          this.scheduleCommit(0)
        }
        this.editor.select([e.shapeId])
        this.editor.notifyChange()
        return
      }
      case 'denied': {
        if (this.request?.shapeId !== e.shapeId) return
        if (e.reason) {
          this.request = null
          this.editor.notify({
            kind: 'error',
            shapeId: e.shapeId,
            text:
              e.reason === 'offline'
                ? 'You are offline: text can be edited again once connected.'
                : `Cannot edit: ${e.reason}`,
            actions: [],
          })
        } else if (e.position !== null) {
          this.request = {
            shapeId: e.shapeId,
            status: 'waiting',
            holderName: e.holderName,
            position: e.position,
          }
        } else {
          this.request = {
            shapeId: e.shapeId,
            status: 'held',
            holderName: e.holderName,
            holderColor: e.holderColor,
          }
        }
        this.editor.notifyChange()
        return
      }
      case 'lost': {
        const ed = this.editing
        if (!ed || ed.shapeId !== e.shapeId || ed.token !== e.token) return
        if (e.reason === 'disconnected') {
          ed.offline = true
          this.editor.notifyChange()
          return
        }
        this.clearTimer()
        ed.status = 'lost'
        this.reportLost(ed, LOST_REASONS[e.reason] ?? e.reason)
        this.editor.notifyChange()
        return
      }
      case 'online': {
        const ed = this.editing
        if (!ed?.offline) return
        ed.offline = false
        if (ed.draft !== ed.saved) {
          // Let the server judge the stale token: it refuses it if the lease moved on.
          void this.flush()
        } else {
          ed.status = 'lost'
          this.reportLost(ed, LOST_REASONS.disconnected!)
        }
        this.editor.notifyChange()
        return
      }
    }
  }

  /** The user typed. */
  input(text: string): void {
    const ed = this.editing
    if (ed?.status !== 'editing') return
    ed.draft = text
    this.leases.touch(ed.shapeId)
    this.scheduleCommit(this.debounceMs)
    this.editor.notifyChange()
  }

  private scheduleCommit(ms: number): void {
    this.clearTimer()
    this.commitTimer = setTimeout(() => void this.flush(), ms)
  }

  private clearTimer(): void {
    if (this.commitTimer) clearTimeout(this.commitTimer)
    this.commitTimer = null
  }

  /** Commits the draft now (one commit at a time; the latest draft wins). */
  async flush(): Promise<void> {
    this.clearTimer()
    while (this.inFlight) await this.inFlight
    const ed = this.editing
    if (ed?.status !== 'editing' || ed.offline || ed.draft === ed.saved) return
    const text = ed.draft
    this.inFlight = (async () => {
      const result = await this.editor.commit(
        {
          opId: newOpId(),
          ops: [{ shapeId: ed.shapeId, field: 'text', baseVersion: ed.baseVersion, value: text }],
          token: ed.token,
        },
        'text edit',
        // Reported here, with the draft, instead of as a generic notice.
        () => true,
      )
      if (result.status === 'ok') {
        ed.saved = text
        ed.baseVersion = result.versions[0]!
      } else if (this.editing === ed) {
        ed.status = 'lost'
        this.leases.release(ed.shapeId)
        this.reportLost(
          ed,
          result.status === 'error' ? 'the server refused your text' : `${result.by} changed it`,
        )
      }
    })()
    try {
      await this.inFlight
    } finally {
      this.inFlight = null
      this.editor.notifyChange()
    }
    if (this.editing === ed && ed.status === 'editing' && ed.draft !== ed.saved) await this.flush()
  }

  /** Leaves edit mode: saves what is left, releases the lease; an empty new text shape goes away. */
  async stop(): Promise<void> {
    const ed = this.editing
    if (!ed) return
    if (ed.status === 'editing') await this.flush()
    if (this.editing !== ed) return
    this.editing = null
    if (ed.status === 'editing') {
      const shape = this.editor.getShape(ed.shapeId)
      if (shape?.kind === 'text' && ed.saved.trim() === '') this.editor.deleteShapes([ed.shapeId])
      this.leases.release(ed.shapeId)
    }
    this.editor.notifyChange()
  }

  private reportLost(ed: EditingState, why: string): void {
    const shape = this.editor.getShape(ed.shapeId)
    const holder = this.leaseOn(ed.shapeId)
    const draft = ed.draft
    this.editing = null
    this.editor.notify({
      kind: 'lease-lost',
      shapeId: ed.shapeId,
      text:
        `You lost the lock on ${shape ? describe(shape) : 'the shape'} (${why})` +
        `${holder && holder.holderId !== this.leases.clientId ? `; ${holder.holderName} is editing it now` : ''}. ` +
        'Your unsaved text was not written over anyone; it is kept below.',
      draft,
      actions: [
        {
          label: 'Re-apply my text',
          run: () => {
            this.reapply = { shapeId: ed.shapeId, draft }
            this.request = { shapeId: ed.shapeId, status: 'asking' }
            this.leases.acquire(ed.shapeId, true)
            this.editor.notifyChange()
          },
        },
      ],
    })
  }

  destroy(): void {
    this.clearTimer()
    for (const o of this.off) o()
  }
}
