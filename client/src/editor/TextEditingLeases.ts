import { type FieldState, type LeaseInfo, type Shape, versionedKey, versionedMap } from '@easel/shared'
import type { LeaseClientEvent, LeasePort } from '../sync/LeaseClient.ts'
import { type DraftStore, offerDraft } from './drafts.ts'
import type { Editor, Notice } from './Editor.ts'
import { textNotice } from './textNotices.ts'
import { type EditingState, type LockRequest, type Queued, session, type TextSaver } from './textSession.ts'

/** What the lease answers read and change on the text editing they serve. */
export type TextEditingHost = {
  editing: EditingState | null
  request: LockRequest | null
  input(text: string): void
  reapply(shapeId: string, draft: string): void
  leaseOn(shapeId: string): LeaseInfo | undefined
}

/**
 * The answers to this tab's lease requests for text shapes, and what becomes of the text waiting
 * for them: the pending editor, texts queued for a grant (re-applied drafts, editors closed before
 * theirs came), and the hand-over of a lease from a session still being saved to one opened again.
 */
export class TextLeaseAnswers {
  /** Re-applied drafts, and pending editors closed before their grant, by shape; each is shown on its shape. */
  readonly queued: Map<string, Queued>
  /** Sessions left (or queued texts being written) whose save is not answered yet, by shape. */
  readonly closing = new Map<string, EditingState>()
  /** Shapes whose new editor waits for the lease a closing session of this tab still holds. */
  private readonly handover = new Set<string>()

  constructor(
    private readonly host: TextEditingHost,
    private readonly editor: Editor,
    private readonly leases: LeasePort,
    private readonly saver: TextSaver,
    private readonly drafts: DraftStore,
  ) {
    this.queued = new ShownQueue(editor.heldTextChanged)
  }

  /**
   * The lease is still this tab's: a session on the shape that is still being saved hands it over
   * once answered (asking the server again would go unanswered: it holds it); else it is taken now.
   */
  takeHeld(shapeId: string, token: number): void {
    if (this.closing.has(shapeId)) this.handover.add(shapeId)
    else this.onGranted(shapeId, token)
  }

  readonly onEvent = (e: LeaseClientEvent) => {
    switch (e.type) {
      case 'granted':
        this.onGranted(e.shapeId, e.token)
        break
      case 'denied':
        this.onDenied(e)
        break
      case 'lost': {
        const ed = this.host.editing
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
        const ed = this.host.editing
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
        const r = this.host.request
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
    const ed = this.host.editing
    const pending = ed?.status === 'pending' && ed.shapeId === shapeId ? ed : null
    const queued = this.queued.get(shapeId)
    const asked = this.host.request?.shapeId === shapeId
    const typed: Queued | undefined =
      pending && pending.draft !== pending.saved ? { draft: pending.draft, base: pending.saved } : queued
    return { pending, typed, asked, wanted: !!(pending || queued || asked) }
  }

  private onGranted(shapeId: string, token: number): void {
    const { pending, typed, asked, wanted } = this.answerFor(shapeId)
    if (!wanted) {
      // The open editor works under this shape's lease: never give it back from here.
      if (this.isOpen(shapeId) && this.host.editing!.status === 'editing') return
      // A grant nobody is waiting for any more (the user cancelled or moved on): give it back.
      this.leases.release(shapeId)
      return
    }
    this.queued.delete(shapeId)
    if (asked) this.host.request = null
    const shape = this.editor.readCommitted(shapeId)
    if (!shape || shape.deleted) {
      this.leases.release(shapeId)
      if (pending) this.host.editing = null
      if (typed) this.offer(shapeId, 'error', textNotice.deleted, typed.draft, false)
      return
    }
    if (!pending && typed) {
      void this.applyQueued(shapeId, token, shape, typed)
      return
    }
    this.host.editing = session(shapeId, token, shape.text, shape.versions.text)
    this.editor.select([shapeId])
    if (!typed) return
    // Only what nobody changed meanwhile goes on; otherwise edit their text and keep ours aside.
    // Back from offline, the user was not looking at their text: close instead of editing it.
    if (typed.base === null || typed.base === shape.text) this.host.input(typed.draft)
    else if (pending?.wasOffline) {
      this.host.editing = null
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
    if (pending) this.host.editing = null
    // Only a place in the line still leads to a grant; any other answer ends the request.
    if (e.reason || e.position === null) this.queued.delete(e.shapeId)
    if (e.reason) {
      if (asked) this.host.request = null
      const why = textNotice.refused(e.reason)
      if (!typed) this.editor.notify({ kind: 'error', shapeId: e.shapeId, text: why, actions: [] })
      else this.offer(e.shapeId, 'error', `${why} ${textNotice.notSaved}`, typed.draft)
      return
    }
    if (e.position !== null) {
      this.host.request = {
        shapeId: e.shapeId,
        status: 'waiting',
        holderName: e.holderName,
        position: e.position,
      }
      return
    }
    if (asked || pending) {
      this.host.request = {
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

  /** Writes a queued text under the lease granted for it, without opening the editor. */
  private async applyQueued(shapeId: string, token: number, shape: Shape, q: Queued): Promise<void> {
    if (q.from) {
      // Typed on from what that session saved: once its last save is answered, the rest goes on
      // from there (the server's version check says whether anyone changed it since).
      await this.saver.settled()
      if (q.from.status === 'lost') {
        this.leases.release(shapeId) // reported already, with its draft
        return
      }
      const ed = session(shapeId, token, q.from.saved, q.from.baseVersion)
      ed.draft = q.draft
      await this.saveLeft(ed)
      return
    }
    if (q.base !== null && q.base !== shape.text) {
      this.reportChanged(shape, q)
      // To an editor opened on it meanwhile, else back to the server.
      this.onGranted(shapeId, token)
      return
    }
    const ed = session(shapeId, token, shape.text, shape.versions.text)
    ed.draft = q.draft
    await this.saveLeft(ed)
  }

  /**
   * Saves a session no editor shows any more (an editor opened on the shape meanwhile starts from
   * it), then hands its lease on.
   */
  async saveLeft(ed: EditingState): Promise<void> {
    this.closing.set(ed.shapeId, ed)
    try {
      await this.saver.save(ed)
    } finally {
      if (this.closing.get(ed.shapeId) === ed) this.closing.delete(ed.shapeId)
    }
    this.afterSave(ed)
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
    return this.host.editing?.shapeId === shapeId
  }

  /** The shape is in use again: an editor is open on it, or a text is queued for it. */
  inUse(shapeId: string): boolean {
    return this.isOpen(shapeId) || this.queued.has(shapeId)
  }

  offer(shapeId: string, kind: Notice['kind'], text: string, draft: string, reapply = true): void {
    offerDraft(this.editor, this.drafts, {
      kind,
      shapeId,
      text,
      draft,
      reapply: reapply ? () => this.host.reapply(shapeId, draft) : undefined,
    })
  }

  /** Someone changed the text while we were asking for the lock: theirs stays, ours is kept aside. */
  private reportChanged(shape: Shape, typed: Queued, whileOffline = false): void {
    const by = versionedMap(this.editor.doc).get(versionedKey(shape.id, 'text')) as FieldState | undefined
    const text = textNotice.changed(shape, typed.base ?? shape.text, by?.by, whileOffline)
    this.offer(shape.id, 'conflict', text, typed.draft)
  }

  reportLost(ed: EditingState, why: string): void {
    const holder = this.host.leaseOn(ed.shapeId)
    const other = holder && !holder.mine ? holder.holderName : null
    if (this.host.editing === ed) this.host.editing = null
    this.offer(
      ed.shapeId,
      'lease-lost',
      textNotice.lost(this.editor.getShape(ed.shapeId), why, other),
      ed.draft,
    )
  }
}

/** The queued texts, telling the editor of every text that comes or goes, so that its shape shows it. */
class ShownQueue extends Map<string, Queued> {
  constructor(private readonly changed: (shapeId: string) => void) {
    super()
  }

  override set(shapeId: string, q: Queued): this {
    super.set(shapeId, q)
    this.changed(shapeId)
    return this
  }

  override delete(shapeId: string): boolean {
    const had = super.delete(shapeId)
    if (had) this.changed(shapeId)
    return had
  }
}
