import {
  type CommitResult,
  type FieldState,
  type LeaseInfo,
  type Shape,
  versionedKey,
  versionedMap,
} from '@easel/shared'
import type { PendingCommit } from '../sync/CommitQueue.ts'
import type { LeaseClientEvent, LeasePort } from '../sync/LeaseClient.ts'
import { DraftRecovery } from './draftRecovery.ts'
import { memoryStorage } from '../sync/roomStorage.ts'
import { DraftStore, offerDraft } from './drafts.ts'
import type { Editor, Notice } from './Editor.ts'
import { textNotice } from './textNotices.ts'
import { type EditingState, type LockRequest, type Queued, session, TextSaver } from './textSession.ts'

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
  /** Re-applied drafts, and pending editors closed before their grant, by shape. */
  private readonly queued = new Map<string, Queued>()
  /** Sessions left (or queued texts being written) whose save is not answered yet, by shape. */
  private readonly closing = new Map<string, EditingState>()
  /** Shapes whose new editor waits for the lease a closing session of this tab still holds. */
  private readonly handover = new Set<string>()
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
      lost: (ed, why) => this.reportLost(ed, why),
      onChange: () => editor.notifyChange(),
      current: () => this.editing,
    })
    this.recovery = new DraftRecovery(editor, drafts, (id, draft) => this.reapply(id, draft))
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
    if (this.editing?.shapeId === shapeId) return
    if (this.editing) void this.stop()
    const holder = this.leaseOn(shapeId)
    if (holder && holder.holderId !== this.leases.clientId) {
      // Someone else has it: no editor; the prompt says who and offers to wait.
      this.request = { shapeId, status: 'asking' }
    } else {
      // Open at once, so what is typed while the lease is asked for lands in the draft.
      this.request = null
      const baseVersion = this.editor.readCommitted(shapeId)?.versions.text ?? 0
      // A session on it that is still being saved has the latest text, maybe not even sent yet.
      const closing = this.closing.get(shapeId)
      const text = closing?.status === 'editing' ? closing.draft : shape.text
      this.editing = { ...session(shapeId, 0, text, baseVersion), status: 'pending' }
      const left = this.queued.get(shapeId)
      if (left && left.base !== null) {
        // Left and opened again before the lease came: go on with what was typed then. The request
        // made for it answers for this editor too (a second one from the same tab goes unanswered).
        this.queued.delete(shapeId)
        this.editing.saved = left.base
        this.editing.draft = left.draft
        this.editor.notifyChange()
        return
      }
      const held = this.leases.tokenOf(shapeId)
      if (held !== null) {
        // The lease is still this tab's (the last session on the shape is being saved): that session
        // hands it over once answered. Asking the server again would go unanswered: it holds it.
        if (this.closing.has(shapeId)) this.handover.add(shapeId)
        else this.onGranted(shapeId, held)
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
    const q = this.queued.get(r.shapeId)
    this.queued.delete(r.shapeId)
    if (q) this.offer(r.shapeId, 'info', textNotice.cancelled, q.draft)
    this.editor.notifyChange()
  }

  /** "Re-apply my text": take the lease (waiting in line if need be), then write the draft. */
  reapply(shapeId: string, draft: string): void {
    if (this.editing?.shapeId === shapeId && this.editing.status === 'editing') {
      this.input(draft)
      void this.flush()
      return
    }
    this.queued.set(shapeId, { draft, base: null })
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

  private readonly onLeaseEvent = (e: LeaseClientEvent) => {
    switch (e.type) {
      case 'granted':
        this.onGranted(e.shapeId, e.token)
        break
      case 'denied':
        this.onDenied(e)
        break
      case 'lost': {
        const ed = this.editing
        if (ed?.status !== 'editing' || ed.shapeId !== e.shapeId || ed.token !== e.token) return
        if (e.reason === 'disconnected') {
          ed.offline = true
          break
        }
        this.saver.cancel()
        ed.status = 'lost'
        this.reportLost(ed, textNotice.lostReason(e.reason))
        break
      }
      case 'online': {
        const ed = this.editing
        if (ed?.offline) {
          // The server let the lease go when the socket closed (or kept it for this session across
          // its own restart), or never gave one (opened offline): ask now. The grant goes on with
          // what was typed offline if nobody changed the text meanwhile; otherwise, or if someone
          // else has it now, the draft is kept and shown. Nothing is committed with an old token.
          ed.offline = false
          ed.status = 'pending'
          ed.wasOffline = true
          ed.token = 0
        }
        // Requests made before the socket dropped died with it (the server forgets them): ask again.
        if (ed?.status === 'pending') this.leases.acquire(ed.shapeId, false)
        const r = this.request
        if (r && r.status !== 'held')
          this.leases.acquire(r.shapeId, r.status === 'waiting' || this.queued.has(r.shapeId))
        // Texts left in an editor closed before its lease came.
        for (const id of this.queued.keys())
          if (id !== ed?.shapeId && id !== r?.shapeId) this.leases.acquire(id, true)
        break
      }
    }
    this.editor.notifyChange()
  }

  /** Who waits for the answer to a lease request: the pending editor, a queued text, the prompt. */
  private answerFor(shapeId: string) {
    const ed = this.editing
    const pending = ed?.status === 'pending' && ed.shapeId === shapeId ? ed : null
    const queued = this.queued.get(shapeId)
    const asked = this.request?.shapeId === shapeId
    const typed: Queued | undefined =
      pending && pending.draft !== pending.saved ? { draft: pending.draft, base: pending.saved } : queued
    return { pending, typed, asked, wanted: !!(pending || queued || asked) }
  }

  private onGranted(shapeId: string, token: number): void {
    const { pending, typed, asked, wanted } = this.answerFor(shapeId)
    if (!wanted) {
      // The open editor works under this shape's lease: never give it back from here.
      if (this.isOpen(shapeId) && this.editing!.status === 'editing') return
      // A grant nobody is waiting for any more (the user cancelled or moved on): give it back.
      this.leases.release(shapeId)
      return
    }
    this.queued.delete(shapeId)
    if (asked) this.request = null
    const shape = this.editor.readCommitted(shapeId)
    if (!shape || shape.deleted) {
      this.leases.release(shapeId)
      if (pending) this.editing = null
      if (typed) this.offer(shapeId, 'error', textNotice.deleted, typed.draft, false)
      return
    }
    if (!pending && typed) {
      void this.applyQueued(shapeId, token, shape, typed)
      return
    }
    this.editing = session(shapeId, token, shape.text, shape.versions.text)
    this.editor.select([shapeId])
    if (!typed) return
    // Only what nobody changed meanwhile goes on; otherwise edit their text and keep ours aside.
    // Back from offline, the user was not looking at their text: close instead of editing it.
    if (typed.base === null || typed.base === shape.text) this.input(typed.draft)
    else if (pending?.wasOffline) {
      this.editing = null
      this.leases.release(shapeId)
      this.reportChanged(shape, typed, true)
    } else this.reportChanged(shape, typed, false)
  }

  private onDenied(e: Extract<LeaseClientEvent, { type: 'denied' }>): void {
    const { pending, typed, asked, wanted } = this.answerFor(e.shapeId)
    if (!wanted) return
    if (e.reason === 'offline' && (pending || typed)) {
      // Not connected (yet): the open editor keeps taking keys, a closed one's text stays queued;
      // both ask for the lease once the socket is back.
      if (pending) pending.offline = true
      return
    }
    if (pending) this.editing = null
    // Only a place in the line still leads to a grant; any other answer ends the request.
    if (e.reason || e.position === null) this.queued.delete(e.shapeId)
    if (e.reason) {
      if (asked) this.request = null
      const why = textNotice.refused(e.reason)
      if (!typed) this.editor.notify({ kind: 'error', shapeId: e.shapeId, text: why, actions: [] })
      else this.offer(e.shapeId, 'error', `${why} ${textNotice.notSaved}`, typed.draft)
      return
    }
    if (e.position !== null) {
      this.request = { shapeId: e.shapeId, status: 'waiting', holderName: e.holderName, position: e.position }
      return
    }
    if (asked || pending) {
      this.request = {
        shapeId: e.shapeId,
        status: 'held',
        holderName: e.holderName,
        holderColor: e.holderColor,
      }
    }
    if (typed)
      this.offer(
        e.shapeId,
        'locked',
        textNotice.held(this.editor.getShape(e.shapeId), e.holderName),
        typed.draft,
      )
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
    return this.editing ? this.save(this.editing) : Promise.resolve()
  }

  /**
   * The page is being hidden or closed: send the waiting commit now instead of after the debounce
   * (the commit queue persists it synchronously). If a commit is still in flight this one has to
   * wait for it; the draft store keeps the text for the next page either way.
   */
  flushNow(): void {
    if (this.saver.scheduled) void this.flush()
  }

  private save(ed: EditingState): Promise<void> {
    return this.saver.save(ed)
  }

  /** Writes a queued text under the lease granted for it, without opening the editor. */
  private async applyQueued(shapeId: string, token: number, shape: Shape, q: Queued): Promise<void> {
    if (q.base !== null && q.base !== shape.text) {
      this.reportChanged(shape, q)
      // To an editor opened on it meanwhile, else back to the server.
      this.onGranted(shapeId, token)
      return
    }
    const ed = session(shapeId, token, shape.text, shape.versions.text)
    ed.draft = q.draft
    await this.saveClosed(ed)
    this.afterSave(ed)
  }

  /** Leaves edit mode at once; what is left is saved, then the lease released. */
  async stop(): Promise<void> {
    const ed = this.editing
    if (!ed) return
    this.editing = null
    this.saver.cancel()
    this.editor.notifyChange()
    if (ed.status === 'pending' && ed.draft !== ed.saved) {
      // Not granted yet: written when it is, if nobody changed the text meanwhile.
      this.queued.set(ed.shapeId, { draft: ed.draft, base: ed.saved })
      return
    }
    if (ed.status === 'editing') {
      await this.saveClosed(ed)
      this.afterSave(ed)
    }
    // Lost while saving (reported with its draft), or in use again (opened again, a text queued).
    if (ed.status === 'lost' || this.isOpen(ed.shapeId) || this.queued.has(ed.shapeId)) return
    // An empty new text shape goes away (a pending one's grant finds it deleted and gives it back).
    const shape = this.editor.getShape(ed.shapeId)
    if (shape?.kind === 'text' && ed.saved.trim() === '') this.editor.deleteShapes([ed.shapeId])
  }

  /** Saves a session no editor shows any more; an editor opened on the shape meanwhile starts from it. */
  private async saveClosed(ed: EditingState): Promise<void> {
    this.closing.set(ed.shapeId, ed)
    try {
      await this.save(ed)
    } finally {
      if (this.closing.get(ed.shapeId) === ed) this.closing.delete(ed.shapeId)
    }
  }

  /**
   * A left session's save is answered. Its lease goes to what this tab wants on the shape now (an
   * editor opened again, a text queued), else back to the server; lost, whoever waited for it asks.
   */
  private afterSave(ed: EditingState): void {
    const waited = this.handover.delete(ed.shapeId)
    if (ed.status === 'editing' && this.leases.tokenOf(ed.shapeId) === ed.token)
      this.onGranted(ed.shapeId, ed.token)
    else if (waited && this.answerFor(ed.shapeId).wanted) this.leases.acquire(ed.shapeId, false)
  }

  /** An editor is open on the shape now (such a session holds the lease: do not release it). */
  private isOpen(shapeId: string): boolean {
    return this.editing?.shapeId === shapeId
  }

  private offer(shapeId: string, kind: Notice['kind'], text: string, draft: string, reapply = true): void {
    offerDraft(this.editor, this.drafts, {
      kind,
      shapeId,
      text,
      draft,
      reapply: reapply ? () => this.reapply(shapeId, draft) : undefined,
    })
  }

  /** Someone changed the text while we were asking for the lock: theirs stays, ours is kept aside. */
  private reportChanged(shape: Shape, typed: Queued, whileOffline = false): void {
    const by = versionedMap(this.editor.doc).get(versionedKey(shape.id, 'text')) as FieldState | undefined
    const text = textNotice.changed(shape, typed.base ?? shape.text, by?.by, whileOffline)
    this.offer(shape.id, 'conflict', text, typed.draft)
  }

  private reportLost(ed: EditingState, why: string): void {
    const holder = this.leaseOn(ed.shapeId)
    const other = holder && holder.holderId !== this.leases.clientId ? holder.holderName : null
    if (this.editing === ed) this.editing = null
    this.offer(
      ed.shapeId,
      'lease-lost',
      textNotice.lost(this.editor.getShape(ed.shapeId), why, other),
      ed.draft,
    )
  }

  destroy(): void {
    this.saver.cancel()
    for (const o of this.off) o()
  }
}
