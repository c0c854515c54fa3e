import type { CommitResult, LeaseInfo } from '@easel/shared'
import { shapeUtil } from '../shapes/index.ts'
import type { PendingCommit } from '../sync/CommitQueue.ts'
import type { LeasePort } from '../sync/LeaseClient.ts'
import { memoryStorage } from '../sync/roomStorage.ts'
import { DraftRecovery } from './draftRecovery.ts'
import { DraftStore } from './drafts.ts'
import type { Editor } from './Editor.ts'
import { TextLeaseAnswers } from './TextEditingLeases.ts'
import { textNotice } from './textNotices.ts'
import { TextUndo } from './textUndo.ts'
import { type EditingState, type LockRequest, session, TextSaver } from './textSession.ts'

export type { EditingState, LockRequest } from './textSession.ts'

/** How long typing pauses before the text is committed (a few commits per second at most). */
export const TEXT_COMMIT_DEBOUNCE_MS = 250

/**
 * Tier 3 in the editor: entering edit mode takes the shape's lease, typing commits the text with
 * the lease's fencing token (debounced), leaving edit mode flushes and releases. Losing the lease
 * keeps the user's draft and says so; nothing is ever written with a stale token. Every keystroke
 * is also kept in the draft store until the server has acknowledged it (see drafts.ts).
 */
export class TextEditing {
  editing: EditingState | null = null
  request: LockRequest | null = null
  private readonly saver: TextSaver
  private readonly answers: TextLeaseAnswers
  private readonly undo: TextUndo
  private readonly recovery: DraftRecovery
  private readonly off: (() => void)[] = []

  constructor(
    private readonly editor: Editor,
    private readonly leases: LeasePort,
    private readonly debounceMs = TEXT_COMMIT_DEBOUNCE_MS,
    private readonly drafts = new DraftStore('local', memoryStorage()),
  ) {
    this.saver = new TextSaver({
      commit: (request, label, satisfied) => editor.commit(request, label, satisfied),
      drafts,
      release: (id) => leases.release(id),
      lost: (ed, why) => this.answers.reportLost(ed, why),
      onChange: () => editor.notifyChange(),
      current: () => this.editing,
      onCommit: (ed, before, text, answer) => this.undo.onCommit(ed, before, text, answer),
    })
    this.answers = new TextLeaseAnswers(this, editor, leases, this.saver, drafts)
    this.undo = new TextUndo(editor, leases, this.answers)
    this.recovery = new DraftRecovery(editor, drafts, (id, draft) => this.reapply(id, draft))
    this.off.push(
      leases.onEvent(this.answers.onEvent),
      leases.subscribe(() => editor.notifyChange()),
    )
    editor.onTextShapeCreated = (id) => this.start(id)
    editor.heldTextOf = (id) => this.answers.queued.get(id)?.draft
  }

  /** Leases of other users, for badges and outlines. */
  othersLeases(): LeaseInfo[] {
    return this.leases.leases().filter((l) => !l.mine)
  }

  leaseOn(shapeId: string): LeaseInfo | undefined {
    return this.leases.leases().find((l) => l.shapeId === shapeId)
  }

  /** Double-click / Enter on a shape with text (text, sticky): ask for its lease. */
  start(shapeId: string): void {
    const shape = this.editor.getShape(shapeId)
    if (!shape || !shapeUtil(shape.kind).hasText) return
    if (this.editing?.shapeId === shapeId) return
    if (this.editing) void this.stop()
    const holder = this.leaseOn(shapeId)
    if (holder && !holder.mine) {
      // Someone else has it: no editor; the prompt says who and offers to wait.
      this.request = { shapeId, status: 'asking' }
    } else {
      // Open at once, so what is typed while the lease is asked for lands in the draft.
      this.request = null
      const baseVersion = this.editor.readCommitted(shapeId)?.versions.text ?? 0
      // A session on it that is still being saved has the latest text, maybe not even sent yet.
      const closing = this.answers.closing.get(shapeId)
      const text =
        closing?.status === 'editing' ? closing.draft : (this.editor.textInFlight(shapeId) ?? shape.text)
      this.editing = { ...session(shapeId, 0, text, baseVersion), status: 'pending' }
      const left = this.answers.queued.get(shapeId)
      if (left && left.base !== null) {
        // Left and opened again before the lease came: go on with what was typed then. The request
        // made for it answers for this editor too (a second one from the same tab goes unanswered).
        this.answers.queued.delete(shapeId)
        this.editing.saved = left.base
        this.editing.draft = left.draft
        this.editor.notifyChange()
        return
      }
      const held = this.leases.tokenOf(shapeId)
      if (held !== null) {
        this.answers.takeHeld(shapeId, held)
        this.editor.notifyChange()
        return
      }
    }
    this.leases.acquire(shapeId, false)
    this.editor.notifyChange()
  }

  /** Queue for the lease held by someone else; it is granted automatically when it frees. */
  wait(): void {
    if (this.request?.status !== 'held') return
    this.leases.acquire(this.request.shapeId, true)
  }

  cancelRequest(): void {
    const r = this.request
    if (!r) return
    if (r.status === 'waiting') this.leases.cancelWait(r.shapeId)
    this.request = null
    const q = this.answers.queued.get(r.shapeId)
    this.answers.queued.delete(r.shapeId)
    if (q) this.answers.offer(r.shapeId, 'info', textNotice.cancelled, q.draft)
    this.editor.notifyChange()
  }

  /** "Re-apply my text": take the lease (waiting in line if need be), then write the draft. */
  reapply(shapeId: string, draft: string): void {
    if (this.editing?.shapeId === shapeId && this.editing.status === 'editing') {
      this.input(draft)
      void this.flush()
      return
    }
    this.answers.queued.set(shapeId, { draft, base: null })
    this.request = { shapeId, status: 'asking' }
    this.leases.acquire(shapeId, true)
    this.editor.notifyChange()
  }

  /** The board has synced with the server: offer texts the previous page did not save. */
  recoverDrafts(): void {
    this.recovery.run()
  }

  /** An answer to a commit made before a reload; true when handled here (no generic notice). */
  handleOrphanResult(p: PendingCommit, result: CommitResult): boolean {
    return this.recovery.orphanResult(p, result)
  }

  /** The user typed. While pending it is only buffered; the grant decides what becomes of it. */
  input(text: string): void {
    const ed = this.editing
    if (!ed || ed.status === 'lost') return
    ed.draft = text
    // Synchronously, on every keystroke: a crash or a closed tab must not take the text with it.
    if (ed.draft === ed.saved) this.drafts.clear(ed.shapeId)
    else this.drafts.put(ed.shapeId, { draft: ed.draft, baseText: ed.saved, baseVersion: ed.baseVersion })
    if (ed.status === 'editing') {
      this.leases.touch(ed.shapeId)
      this.saver.schedule(() => void this.flush(), this.debounceMs)
    }
    this.editor.notifyChange()
  }

  /** Commits the draft now (one commit at a time; the latest draft wins). */
  flush(): Promise<void> {
    return this.editing ? this.saver.save(this.editing) : Promise.resolve()
  }

  /**
   * The page is being hidden or closed: send the waiting commit now instead of after the debounce
   * (the commit queue persists it synchronously). If a commit is still in flight this one has to
   * wait for it; the draft store keeps the text for the next page either way.
   */
  flushNow(): void {
    if (this.saver.scheduled) void this.flush()
  }

  /** Leaves edit mode at once; what is left is saved, then the lease released. */
  async stop(): Promise<void> {
    const ed = this.editing
    if (!ed) return
    this.editing = null
    this.saver.cancel()
    this.editor.notifyChange()
    if ((ed.status === 'pending' || ed.offline) && ed.draft !== ed.saved) {
      // Not granted yet, or the socket is down: written once the lease comes, if nobody changed the
      // text meanwhile (offline, a save of this session may still be in flight: it goes on from it).
      this.answers.queued.set(ed.shapeId, {
        draft: ed.draft,
        base: ed.saved,
        from: ed.status === 'editing' ? ed : undefined,
      })
      return
    }
    if (ed.status === 'editing') await this.answers.saveLeft(ed)
    // Lost while saving (reported with its draft), or in use again (opened again, a text queued).
    if (ed.status === 'lost' || this.answers.inUse(ed.shapeId)) return
    // An empty new text shape goes away (a pending one's grant finds it deleted and gives it back).
    const shape = this.editor.getShape(ed.shapeId)
    if (shape?.kind === 'text' && ed.saved.trim() === '') this.editor.discardNewShape(ed.shapeId)
  }

  destroy(): void {
    this.saver.cancel()
    for (const o of this.off) o()
  }
}
