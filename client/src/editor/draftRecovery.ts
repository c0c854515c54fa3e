import type { CommitResult } from '@easel/shared'
import type { PendingCommit } from '../sync/CommitQueue.ts'
import { type DraftStore, offerDraft, type StoredDraft } from './drafts.ts'
import { describe, type Editor } from './Editor.ts'

/**
 * After a reload: texts the previous page kept but never had acknowledged are offered back once
 * the board has synced with the server, and answers to the text commits it left in the commit
 * queue are matched with them, so the user sees one coherent notice per text (or none).
 */
export class DraftRecovery {
  /** Drafts stored when this page loaded: only these are "from before the page closed". */
  private readonly found: Map<string, StoredDraft>
  /** Offers on screen, by shape, to withdraw if a replayed commit turns out to have saved them. */
  private readonly offered = new Map<string, { noticeId: number; draft: string }>()
  private done = false

  constructor(
    private readonly editor: Editor,
    private readonly drafts: DraftStore,
    private readonly reapply: (shapeId: string, draft: string) => void,
  ) {
    this.found = new Map(Object.entries(drafts.all()))
  }

  /** The board has synced: the committed texts are the server's, so drafts can be judged. */
  run(): void {
    if (this.done) return
    this.done = true
    for (const [shapeId, stored] of this.found) {
      // Acknowledged (a replayed commit) or typed over since the page loaded: nothing to offer.
      if (this.drafts.get(shapeId)?.at !== stored.at) continue
      const shape = this.editor.readCommitted(shapeId)
      if (shape && !shape.deleted && shape.text === stored.draft) {
        this.drafts.clear(shapeId, stored.draft)
        continue
      }
      const name = shape ? describe({ ...shape, text: stored.baseText }) : 'a shape'
      const gone = !shape || shape.deleted
      const changed = !gone && shape.text !== stored.baseText ? ' Its text has been changed since.' : ''
      const n = offerDraft(this.editor, this.drafts, {
        kind: 'lease-lost',
        shapeId,
        draft: stored.draft,
        text: gone
          ? `Text you typed in ${name} before the page closed was not saved, and the shape has been deleted since. Copy it if you still need it.`
          : `Text you typed in ${name} before the page closed was not saved.${changed}`,
        reapply: gone ? undefined : () => this.reapply(shapeId, stored.draft),
      })
      this.offered.set(shapeId, { noticeId: n.id, draft: stored.draft })
    }
  }

  /**
   * The server answered a commit made before the reload. Returns true when that answer is covered
   * here (no generic "could not text edit" notice): an `ok` saved the text, so its draft and offer
   * go; a refusal (usually a stale token: the lease ended with the old socket) is what the draft
   * offer is about.
   */
  orphanResult(p: PendingCommit, result: CommitResult): boolean {
    const op = p.request.ops.find((o) => o.field === 'text')
    if (p.label !== 'text edit' || !op) return false
    const value = String(op.value)
    if (result.status === 'ok') {
      this.drafts.clear(op.shapeId, value)
      const offer = this.offered.get(op.shapeId)
      if (offer?.draft === value) {
        this.offered.delete(op.shapeId)
        this.editor.dismissNotice(offer.noticeId)
      }
      return true
    }
    return this.drafts.get(op.shapeId) !== undefined
  }
}
